// One stored claim record (one HOSO, as written by hosoToXml) → one FHIR R4 transaction
// Bundle following VN Core (DESIGN §5, §6). Pure: no I/O, no clock (ctx.now).
// docs/mapping-xml130.md lists every element, its FHIR path and the rule.
import type { Appointment, Resource } from '@medplum/fhirtypes';
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { revisitAppointment } from './appointment.js';
import { transactionBundle } from './bundle.js';
import { buildClaim } from './claim.js';
import { buildDiagnoses } from './conditions.js';
import { MapContext, PackEntryMissing, PackView, Xml130WarningCode } from './context.js';
import { splitList } from './datatypes.js';
import { buildCoverages } from './coverage.js';
import { buildEncounter } from './encounter.js';
import { EnvelopeError, parseHosoXml, type FileHoso } from './envelope.js';
import type { Normalisation } from './innerXml.js';
import { ERA_4210_MARKERS } from './mappingTables.js';
import { buildFacility } from './organization.js';
import { buildPatient, patientIdFor } from './patient.js';
import { TableRow } from './row.js';
import { readTable, tableName } from './tables.js';
import { TABLE_MAPPERS, type RecordSoFar } from './tableMappers.js';
import { buildTreatmentPlan, buildXml1Observations } from './xml1Extras.js';

export const ClaimConvertErrorCode = {
  malformedRecord: 'RECORD_MALFORMED',
  xml1Missing: 'XML1_MISSING',
  badBase64: 'BAD_BASE64',
  xml1NotXml: 'XML1_NOT_XML',
  xml1Empty: 'XML1_EMPTY',
  maLkMissing: 'MA_LK_MISSING',
  profilePack: 'PROFILE_PACK_INCOMPLETE',
} as const;

/** The outcome plus what the data-quality check needs (quality.ts). */
export type DetailedOutcome = ConvertOutcome & {
  /** Values changed while reading (present only when ok). */
  normalisations?: Normalisation[];
  /** XML1 as read, by 130 element name (present only when ok). */
  xml1?: ReadonlyMap<string, string>;
  /** Tables present in the record (XML1 …). */
  tables?: string[];
};

export function convertClaimRecord(storedHosoXml: string, ctx: ConvertContext): ConvertOutcome {
  const { normalisations: _n, xml1: _x, tables: _t, ...outcome } = convertClaimRecordDetailed(storedHosoXml, ctx);
  return outcome as ConvertOutcome;
}

export function convertClaimRecordDetailed(storedHosoXml: string, ctx: ConvertContext): DetailedOutcome {
  let stored: { maCskcb?: string; files: FileHoso[] };
  try {
    stored = parseHosoXml(storedHosoXml);
  } catch (err) {
    const message = err instanceof EnvelopeError ? err.message : String(err);
    return { ok: false, code: ClaimConvertErrorCode.malformedRecord, message };
  }
  const files = stored.files.map((f) => ({ ...f, loaiHoso: tableName(f.loaiHoso) }));
  const xml1File = files.find((f) => f.loaiHoso === 'XML1');
  if (!xml1File) return { ok: false, code: ClaimConvertErrorCode.xml1Missing, message: 'the HOSO has no XML1 (TONG_HOP) table', field: 'XML1' };
  const xml1Read = readTable(xml1File);
  if (!xml1Read.ok) {
    const code = xml1Read.code === 'BAD_BASE64' ? ClaimConvertErrorCode.badBase64 : ClaimConvertErrorCode.xml1NotXml;
    return { ok: false, code, message: xml1Read.message, field: 'XML1' };
  }
  const xml1Table = xml1Read.table;
  const xml1Inner = xml1Table.rows[0];
  if (!xml1Inner || xml1Table.rows.length !== 1) {
    return { ok: false, code: ClaimConvertErrorCode.xml1Empty, message: `XML1 holds ${xml1Table.rows.length} records; expected one TONG_HOP`, field: 'XML1' };
  }
  const xml1 = new TableRow('XML1', xml1Inner, true);
  const maLk = xml1.get('MA_LK');
  if (!maLk) return { ok: false, code: ClaimConvertErrorCode.maLkMissing, message: 'XML1 has no MA_LK (the episode key)', field: 'XML1/MA_LK' };
  const maCskcb = xml1.get('MA_CSKCB') ?? stored.maCskcb ?? ctx.facilityCode;
  xml1.get('STT'); // row number within the submission: ordering only, nothing to map

  const patient = patientIdFor(maCskcb, maLk, xml1.peek('MA_BN'), xml1.peek('SO_CCCD'));
  try {
    const mc = new MapContext(new PackView(ctx.profilePack, maCskcb), { maCskcb, maLk }, patient.id);
    mc.normalisations.push(...xml1Table.normalisations);
    if (xml1Table.escapedEntities.length) {
      mc.warn(Xml130WarningCode.entityEscaped, 'XML1', `unknown XML entities read as text: ${xml1Table.escapedEntities.join(', ')}`);
    }
    const markers = ERA_4210_MARKERS.filter((m) => xml1Inner.values.has(m) || xml1Inner.empty.has(m));
    if (markers.length) mc.normalise({ field: 'XML1', rule: 'era-4210-names', from: markers.join(',') });
    if (patient.basis === 'MA_LK') {
      mc.warn(Xml130WarningCode.missingValue, 'XML1/MA_BN', 'neither MA_BN nor a 12-digit SO_CCCD: the patient is identified by this episode only');
    }

    const notMapped: string[] = [];
    const diagnoses = buildDiagnoses(mc, xml1);
    const { encounter, departments } = buildEncounter(mc, xml1, diagnoses);
    const coverages = buildCoverages(mc, xml1);
    const patientResource = buildPatient(mc, xml1);
    const xml1Observations = buildXml1Observations(mc, xml1);
    const treatmentPlan = buildTreatmentPlan(mc, xml1);

    const ordered = [...files].sort((a, b) => tableNumber(a.loaiHoso) - tableNumber(b.loaiHoso));
    const tablesPresent = [...new Set(ordered.map((f) => f.loaiHoso))];
    const soFar: RecordSoFar = {
      xml1,
      encounter,
      patient: patientResource,
      diagnoses,
      coverages,
      departments: new Map(departments.map((d) => [d.name!, d])),
      claimLines: [],
      serviceRequests: new Map(),
      tables: new Set(tablesPresent),
      extra: [],
    };
    const readRows: TableRow[] = [];
    const nestedByTable: string[] = [];
    const seenTables = new Set<string>();
    for (const file of ordered) {
      if (seenTables.has(file.loaiHoso)) {
        mc.warn(Xml130WarningCode.inconsistent, file.loaiHoso, `the HOSO holds ${file.loaiHoso} more than once; the first is used`);
        continue;
      }
      seenTables.add(file.loaiHoso);
      if (file.loaiHoso === 'XML1') continue;
      const read = readTable(file);
      if (!read.ok) {
        mc.warn(Xml130WarningCode.tableUnreadable, file.loaiHoso, `${read.message}; the table is not converted`);
        notMapped.push(file.loaiHoso);
        continue;
      }
      mc.normalisations.push(...read.table.normalisations);
      if (read.table.escapedEntities.length) {
        mc.warn(Xml130WarningCode.entityEscaped, file.loaiHoso, `unknown XML entities read as text: ${read.table.escapedEntities.join(', ')}`);
      }
      const mapper = TABLE_MAPPERS[file.loaiHoso];
      const rows = read.table.rows.map((r) => new TableRow(file.loaiHoso, r, read.table.single));
      if (!mapper) {
        if (rows.some((r) => r.names().some((n) => n !== 'MA_LK'))) notMapped.push(file.loaiHoso);
        continue;
      }
      for (const row of rows) {
        const rowMaLk = row.get('MA_LK');
        if (rowMaLk && rowMaLk !== maLk) {
          mc.warn(Xml130WarningCode.otherRecord, row.field('MA_LK'), `MA_LK ${JSON.stringify(rowMaLk)} differs from XML1's ${JSON.stringify(maLk)}; the row is converted with this record`);
        }
      }
      mapper(mc, rows, soFar);
      readRows.push(...rows);
      for (const name of read.table.nestedElements) nestedByTable.push(`${file.loaiHoso}/${name}`);
    }
    const revisits = soFar.tables.has('XML14') ? [] : revisitsFromXml1(mc, xml1);
    const claim = buildClaim(mc, { xml1, coverages, diagnoses, lines: soFar.claimLines, now: ctx.now });

    // Reported last: the Claim reads line elements after the table mappers ran.
    for (const name of xml1.unconsumed()) notMapped.push(`XML1/${name}`);
    for (const name of xml1Table.nestedElements) notMapped.push(`XML1/${name}`);
    for (const t of nestedByTable) pushOnce(notMapped, t);
    for (const row of readRows) for (const name of row.unconsumed()) pushOnce(notMapped, `${row.table}/${name}`);

    const resources: Resource[] = [
      buildFacility(mc),
      ...soFar.departments.values(),
      patientResource,
      ...coverages,
      encounter,
      ...diagnoses.map((d) => d.condition),
      ...xml1Observations,
      ...(treatmentPlan ? [treatmentPlan] : []),
      ...soFar.extra,
      ...revisits,
      ...(claim ? [claim] : []),
    ];
    const bundle = transactionBundle(mc, resources, ctx.now);
    return {
      ok: true,
      bundle,
      naturalKey: `${maCskcb}|${maLk}`,
      warnings: mc.warnings,
      notMapped,
      normalisations: mc.normalisations,
      xml1: new Map(xml1Inner.values),
      tables: tablesPresent,
    };
  } catch (err) {
    if (err instanceof PackEntryMissing) {
      return { ok: false, code: ClaimConvertErrorCode.profilePack, message: `${err.message}: the active profile pack cannot express this record` };
    }
    throw err;
  }
}

/** XML1 NGAY_TAI_KHAM (re-visit dates) → Appointments, when the record has no XML14 paper. */
function revisitsFromXml1(ctx: MapContext, xml1: TableRow): Appointment[] {
  return splitList(xml1.get('NGAY_TAI_KHAM'))
    .map((d) => revisitAppointment(ctx, ctx.recordResourceId('Appointment', 'XML1', d), d, xml1.field('NGAY_TAI_KHAM')))
    .filter((a): a is Appointment => a !== undefined);
}

function tableNumber(loaiHoso: string): number {
  const m = /^XML(\d+)$/.exec(loaiHoso);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function pushOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
