// One stored claim record (one HOSO, as written by hosoToXml, or as split from its envelope)
// → one FHIR R4 transaction Bundle following VN Core (DESIGN §5, §6). Pure: no I/O, no clock (ctx.now).
// docs/mapping-xml130.md lists every element, its FHIR path and the rule.
import type { Appointment, Resource } from '@medplum/fhirtypes';
import type { ConvertContext, ConvertOutcome } from '../types.js';
import { revisitAppointment } from './mappers/appointment.js';
import { transactionBundle } from './mappers/bundle.js';
import { buildClaim } from './mappers/claim.js';
import { buildDiagnoses } from './mappers/conditions.js';
import { MapContext, PackEntryMissing, PackView, Xml130WarningCode } from './mappers/context.js';
import { splitList } from './mappers/datatypes.js';
import { buildCoverages } from './mappers/coverage.js';
import { buildEncounter } from './mappers/encounter.js';
import { EnvelopeError, parseHosoXml, type FileHoso, type SplitHoso } from './envelope/envelope.js';
import type { InnerTable, Normalisation } from './envelope/innerXml.js';
import { ERA_4210_MARKERS } from './mappers/mappingTables.js';
import { buildFacility } from './mappers/organization.js';
import { buildPatient, patientIdFor } from './mappers/patient.js';
import { TableRow } from './mappers/row.js';
import { readTable, tableName } from './envelope/tables.js';
import { TABLE_MAPPERS, type RecordSoFar } from './mappers/tableMappers.js';
import { buildTreatmentPlan, buildXml1Observations } from './mappers/xml1Extras.js';

export const ClaimConvertErrorCode = {
  malformedRecord: 'RECORD_MALFORMED',
  xml1Missing: 'XML1_MISSING',
  badBase64: 'BAD_BASE64',
  xml1NotXml: 'XML1_NOT_XML',
  /** XML1 is well-formed but hostile: a DOCTYPE (XML bomb, XXE) or absurd nesting. */
  xml1Refused: 'XML1_REFUSED',
  xml1Empty: 'XML1_EMPTY',
  maLkMissing: 'MA_LK_MISSING',
  profilePack: 'PROFILE_PACK_INCOMPLETE',
} as const;

/** The outcome plus what the data-quality check needs (quality/quality.ts). */
export type DetailedOutcome = ConvertOutcome & {
  /** Values changed while reading (present only when ok). */
  normalisations?: Normalisation[];
  /** XML1 as read, by 130 element name (present only when ok). */
  xml1?: ReadonlyMap<string, string>;
  /** Tables present in the record (XML1 …). */
  tables?: string[];
};

/** A claim record as the converter takes it: its stored form (hosoToXml), or the HOSO as split from its envelope. */
export type ClaimRecordInput = string | SplitHoso;

export function convertClaimRecord(storedHosoXml: ClaimRecordInput, ctx: ConvertContext): ConvertOutcome {
  const { normalisations: _n, xml1: _x, tables: _t, ...outcome } = convertClaimRecordDetailed(storedHosoXml, ctx);
  return outcome as ConvertOutcome;
}

type Xml1Read =
  | { ok: false; outcome: DetailedOutcome }
  | { ok: true; files: FileHoso[]; table: InnerTable; xml1: TableRow; maLk: string; maCskcb: string };

/** The stored record's tables and its XML1, without which nothing can be converted. */
function readRecord(record: ClaimRecordInput, ctx: ConvertContext): Xml1Read {
  const fail = (code: string, message: string, field?: string): Xml1Read => ({ ok: false, outcome: { ok: false, code, message, ...(field ? { field } : {}) } });
  let stored: SplitHoso;
  if (typeof record !== 'string') stored = record;
  else {
    try {
      stored = parseHosoXml(record);
    } catch (err) {
      return fail(ClaimConvertErrorCode.malformedRecord, err instanceof EnvelopeError ? err.message : String(err));
    }
  }
  const files = stored.files.map((f) => ({ ...f, loaiHoso: tableName(f.loaiHoso) }));
  const xml1File = files.find((f) => f.loaiHoso === 'XML1');
  if (!xml1File) return fail(ClaimConvertErrorCode.xml1Missing, 'the HOSO has no XML1 (TONG_HOP) table', 'XML1');
  const read = readTable(xml1File);
  if (!read.ok) {
    const code = { BAD_BASE64: ClaimConvertErrorCode.badBase64, NOT_XML: ClaimConvertErrorCode.xml1NotXml, XML_REFUSED: ClaimConvertErrorCode.xml1Refused }[read.code];
    return fail(code, read.message, 'XML1');
  }
  const row = read.table.rows[0];
  if (!row || read.table.rows.length !== 1) {
    return fail(ClaimConvertErrorCode.xml1Empty, `XML1 holds ${read.table.rows.length} records; expected one TONG_HOP`, 'XML1');
  }
  const xml1 = new TableRow('XML1', row, true);
  const maLk = xml1.get('MA_LK');
  if (!maLk) return fail(ClaimConvertErrorCode.maLkMissing, 'XML1 has no MA_LK (the episode key)', 'XML1/MA_LK');
  const maCskcb = xml1.get('MA_CSKCB') ?? stored.maCskcb ?? ctx.facilityCode;
  xml1.get('STT'); // row number within the submission: ordering only, nothing to map
  return { ok: true, files, table: read.table, xml1, maLk, maCskcb };
}

function reportTableQuirks(mc: MapContext, loaiHoso: string, table: InnerTable): void {
  mc.normalisations.push(...table.normalisations);
  if (table.escapedEntities.length) {
    mc.warn(Xml130WarningCode.entityEscaped, loaiHoso, `unknown XML entities read as text: ${table.escapedEntities.join(', ')}`);
  }
}

interface TablesRead {
  /** Rows handed to a mapper, for the not-mapped report. */
  rows: TableRow[];
  /** Whole tables not converted, and nested elements not read, as `XMLn` / `XMLn/NAME`. */
  notMapped: string[];
}

/** Tables other than XML1, in numeric order (XML3 before XML4, so results find their orders). */
function mapOtherTables(mc: MapContext, files: readonly FileHoso[], record: RecordSoFar): TablesRead {
  const out: TablesRead = { rows: [], notMapped: [] };
  const seen = new Set<string>();
  for (const file of [...files].sort((a, b) => tableNumber(a.loaiHoso) - tableNumber(b.loaiHoso))) {
    if (seen.has(file.loaiHoso)) {
      mc.warn(Xml130WarningCode.inconsistent, file.loaiHoso, `the HOSO holds ${file.loaiHoso} more than once; the first is used`);
      continue;
    }
    seen.add(file.loaiHoso);
    if (file.loaiHoso === 'XML1') continue;
    const read = readTable(file);
    if (!read.ok) {
      mc.warn(Xml130WarningCode.tableUnreadable, file.loaiHoso, `${read.message}; the table is not converted`);
      out.notMapped.push(file.loaiHoso);
      continue;
    }
    reportTableQuirks(mc, file.loaiHoso, read.table);
    const rows = read.table.rows.map((r) => new TableRow(file.loaiHoso, r, read.table.single));
    const mapper = TABLE_MAPPERS[file.loaiHoso];
    if (!mapper) {
      if (rows.some((r) => r.names().some((n) => n !== 'MA_LK'))) out.notMapped.push(file.loaiHoso);
      continue;
    }
    for (const row of rows) {
      const rowMaLk = row.get('MA_LK');
      if (rowMaLk && rowMaLk !== mc.keys.maLk) {
        mc.warn(Xml130WarningCode.otherRecord, row.field('MA_LK'), `MA_LK ${JSON.stringify(rowMaLk)} differs from XML1's ${JSON.stringify(mc.keys.maLk)}; the row is converted with this record`);
      }
    }
    mapper(mc, rows, record);
    out.rows.push(...rows);
    for (const name of read.table.nestedElements) out.notMapped.push(`${file.loaiHoso}/${name}`);
  }
  return out;
}

export function convertClaimRecordDetailed(record: ClaimRecordInput, ctx: ConvertContext): DetailedOutcome {
  const read = readRecord(record, ctx);
  if (!read.ok) return read.outcome;
  const { files, table, xml1, maLk, maCskcb } = read;
  const patient = patientIdFor(maCskcb, maLk, xml1.peek('MA_BN'), xml1.peek('SO_CCCD'));
  try {
    const mc = new MapContext(new PackView(ctx.profilePack, maCskcb), { maCskcb, maLk }, patient.id);
    reportTableQuirks(mc, 'XML1', table);
    const xml1Values = table.rows[0]!;
    const markers = ERA_4210_MARKERS.filter((m) => xml1Values.values.has(m) || xml1Values.empty.has(m));
    if (markers.length) mc.normalise({ field: 'XML1', rule: 'era-4210-names', from: markers.join(',') });
    if (patient.basis === 'MA_LK') {
      mc.warn(Xml130WarningCode.missingValue, 'XML1/MA_BN', 'neither MA_BN nor a 12-digit SO_CCCD: the patient is identified by this episode only');
    }

    const diagnoses = buildDiagnoses(mc, xml1);
    const { encounter, departments } = buildEncounter(mc, xml1, diagnoses);
    const coverages = buildCoverages(mc, xml1);
    const patientResource = buildPatient(mc, xml1);
    const xml1Observations = buildXml1Observations(mc, xml1);
    const treatmentPlan = buildTreatmentPlan(mc, xml1);
    const tables = [...new Set(files.map((f) => f.loaiHoso))];
    const record: RecordSoFar = {
      xml1,
      encounter,
      patient: patientResource,
      diagnoses,
      coverages,
      departments: new Map(departments.map((d) => [d.name!, d])),
      claimLines: [],
      serviceRequests: new Map(),
      tables: new Set(tables),
      extra: [],
    };
    const others = mapOtherTables(mc, files, record);
    const revisits = record.tables.has('XML14') ? [] : revisitsFromXml1(mc, xml1);
    const claim = buildClaim(mc, { xml1, coverages, diagnoses, lines: record.claimLines, now: ctx.now });

    // Reported last: the Claim reads line elements after the table mappers ran.
    const notMapped = [...xml1.unconsumed(), ...table.nestedElements].map((name) => `XML1/${name}`);
    for (const item of others.notMapped) pushOnce(notMapped, item);
    for (const row of others.rows) for (const name of row.unconsumed()) pushOnce(notMapped, `${row.table}/${name}`);

    const resources: Resource[] = [
      buildFacility(mc),
      ...record.departments.values(),
      patientResource,
      ...coverages,
      encounter,
      ...diagnoses.map((d) => d.condition),
      ...xml1Observations,
      ...(treatmentPlan ? [treatmentPlan] : []),
      ...record.extra,
      ...revisits,
      ...(claim ? [claim] : []),
    ];
    return {
      ok: true,
      bundle: transactionBundle(mc, resources, ctx.now),
      naturalKey: `${maCskcb}|${maLk}`,
      warnings: mc.warnings,
      notMapped,
      normalisations: mc.normalisations,
      xml1: new Map(xml1Values.values),
      tables,
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
