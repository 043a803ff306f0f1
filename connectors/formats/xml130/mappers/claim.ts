// XML1 totals + XML2/XML3 lines → Claim (vn-core-claim). Built last, once the line tables
// have been read. A record without a BHYT card has no Claim (Claim.insurance is 1..*), and
// its cost elements are then reported as not mapped.
import type { Claim, ClaimCareTeam, ClaimDiagnosis, ClaimItem, Coverage, Extension, Money, Period } from '@medplum/fhirtypes';
import type { Diagnosis } from './conditions.js';
import { Xml130WarningCode, practitionerRef, type MapContext } from './context.js';
import { icd10, padCode, patientCategoryCode, splitList } from './datatypes.js';
import { decimalOf, dateTimeOf, integerOf, moneyOf } from './fields.js';
import { referralPaper } from './encounter.js';
import { COST_SUMMARY_PARTS, LINE_COST_PARTS, NO_ACCIDENT } from './mappingTables.js';
import type { TableRow } from './row.js';

/** One billed line, prepared by the XML2/XML3 mappers and turned into a Claim.item here. */
export interface ClaimLine {
  row: TableRow;
  /** Code system key and code of the product or service. */
  product: { csKey: string; code: string; display?: string } | undefined;
  productText: string | undefined;
  unitPriceElement: 'DON_GIA' | 'DON_GIA_BV';
  unit: string | undefined;
}

function costSummary(ctx: MapContext, row: TableRow, parts: ReadonlyArray<readonly [string, string]>): Extension | undefined {
  const extension: Extension[] = [];
  for (const [element, sub] of parts) {
    const m = moneyOf(ctx, row, element);
    if (m) extension.push({ url: sub, valueMoney: m });
  }
  return extension.length ? { url: ctx.pack.ext('claimCostSummary'), extension } : undefined;
}

/** PHAM_VI, TYLE_TT_BH (and TYLE_TT_DV), MUC_HUONG, MA_PTTT → vn-ext-insurance-cost-info. */
export function insuranceCostInfo(ctx: MapContext, row: TableRow): Extension | undefined {
  const { pack } = ctx;
  const extension: Extension[] = [];
  const phamVi = row.get('PHAM_VI');
  if (phamVi) extension.push({ url: 'scope', valueCodeableConcept: pack.concept('insuranceScope', phamVi) });
  const rate = decimalOf(ctx, row, 'TYLE_TT_BH');
  if (rate) extension.push({ url: 'paymentRatio', valueDecimal: rate.value });
  const serviceRate = decimalOf(ctx, row, 'TYLE_TT_DV');
  if (serviceRate) extension.push({ url: 'serviceRatio', valueDecimal: serviceRate.value });
  const level = decimalOf(ctx, row, 'MUC_HUONG');
  if (level) extension.push({ url: 'benefitLevel', valueDecimal: level.value });
  const method = row.get('MA_PTTT');
  if (method) extension.push({ url: 'paymentMethod', valueCodeableConcept: pack.concept('paymentMethod', method) });
  const source = row.get('NGUON_CTRA');
  if (source) extension.push({ url: 'fundingSource', valueCodeableConcept: pack.concept('fundingSource', source) });
  const insurancePrice = moneyOf(ctx, row, 'DON_GIA_BH');
  if (insurancePrice) extension.push({ url: 'insuranceUnitPrice', valueMoney: insurancePrice });
  const warWound = row.get('VET_THUONG_TP');
  if (warWound) extension.push({ url: 'recurrentWarWound', valueBoolean: warWound === '1' });
  return extension.length ? { url: pack.ext('insuranceCostInfo'), extension } : undefined;
}

/** Claim.careTeam and Claim.diagnosis entries that lines point to, collected while the lines are built. */
class ClaimRefs {
  readonly careTeam: ClaimCareTeam[] = [];
  readonly diagnosis: ClaimDiagnosis[] = [];
  private readonly teamIndex = new Map<string, number>();
  /** ICD-10 code → Claim.diagnosis sequence. */
  private readonly codeIndex = new Map<string, number>();

  constructor(private readonly ctx: MapContext) {}

  /** One member per practitioner: who both ordered (primary) and performed (other) is listed once, as primary. */
  careTeamSequence(code: string, role: 'primary' | 'other'): number {
    const known = this.teamIndex.get(code);
    if (known) {
      if (role === 'primary') this.careTeam[known - 1]!.role = this.ctx.pack.concept('claimCareTeamRole', 'primary');
      return known;
    }
    const sequence = this.careTeam.length + 1;
    this.careTeam.push({ sequence, provider: practitionerRef(this.ctx.pack, code), role: this.ctx.pack.concept('claimCareTeamRole', role) });
    this.teamIndex.set(code, sequence);
    return sequence;
  }

  /** An XML1 diagnosis, referenced by its Condition. */
  addCondition(d: Diagnosis): void {
    const sequence = this.diagnosis.length + 1;
    this.diagnosis.push({
      sequence,
      diagnosisReference: { reference: `urn:uuid:${d.condition.id}` },
      type: [this.ctx.pack.concept('exDiagnosisType', d.principal ? 'principal' : 'discharge')],
    });
    const coding = d.condition.code?.coding?.[0];
    if (coding?.code && coding.system === this.ctx.pack.cs('icd10')) this.codeIndex.set(coding.code, sequence);
  }

  /** The sequence of a diagnosis by ICD-10 code: the XML1 Condition when there is one, else a new coded entry. */
  diagnosisSequence(code: string): number {
    const known = this.codeIndex.get(code);
    if (known) return known;
    const sequence = this.diagnosis.length + 1;
    this.diagnosis.push({ sequence, diagnosisCodeableConcept: this.ctx.pack.concept('icd10', code) });
    this.codeIndex.set(code, sequence);
    return sequence;
  }
}

function servicedPeriod(ctx: MapContext, row: TableRow): Period | undefined {
  const ordered = dateTimeOf(ctx, row, 'NGAY_YL');
  const done = dateTimeOf(ctx, row, 'NGAY_TH_YL');
  const result = dateTimeOf(ctx, row, 'NGAY_KQ');
  const start = done ?? ordered;
  if (!start) return result ? { end: result } : undefined;
  return result && result >= start ? { start, end: result } : { start };
}

function claimItem(ctx: MapContext, line: ClaimLine, sequence: number, refs: ClaimRefs): ClaimItem {
  const { pack } = ctx;
  const { row } = line;
  const productOrService = line.product
    ? { ...pack.concept(line.product.csKey, line.product.code, line.product.display), ...(line.productText ? { text: line.productText } : {}) }
    : { text: line.productText ?? `${row.table} dòng ${row.position}` };
  const item: ClaimItem = { sequence, productOrService };
  const thau = row.get('TT_THAU');
  const tender: Extension | undefined = thau ? { url: pack.ext('tenderInfo'), valueString: thau } : undefined;
  const extension = [insuranceCostInfo(ctx, row), costSummary(ctx, row, LINE_COST_PARTS), tender].filter((e): e is Extension => e !== undefined);
  if (extension.length) item.extension = extension;
  const team = [
    ...splitList(row.get('MA_BAC_SI')).map((c) => refs.careTeamSequence(c, 'primary')),
    ...splitList(row.get('NGUOI_THUC_HIEN')).map((c) => refs.careTeamSequence(c, 'other')),
  ];
  if (team.length) item.careTeamSequence = [...new Set(team)];
  const reasons: number[] = [];
  for (const raw of splitList(row.get('MA_BENH'))) {
    const p = icd10(raw);
    if (p.ok) reasons.push(refs.diagnosisSequence(p.value.code));
  }
  if (reasons.length) item.diagnosisSequence = [...new Set(reasons)];
  const group = row.get('MA_NHOM');
  if (group) item.category = pack.concept('costGroup', group);
  const period = servicedPeriod(ctx, row);
  if (period) item.servicedPeriod = period;
  const maKhoa = row.get('MA_KHOA');
  const giuong = row.get('MA_GIUONG');
  if (maKhoa || giuong) {
    item.locationCodeableConcept = maKhoa ? pack.concept('department', maKhoa, undefined, giuong) : { text: giuong };
  }
  const qty = decimalOf(ctx, row, 'SO_LUONG');
  if (qty) item.quantity = line.unit ? { value: qty.value, unit: line.unit } : { value: qty.value };
  const price = moneyOf(ctx, row, line.unitPriceElement);
  if (price) item.unitPrice = price;
  const net = moneyOf(ctx, row, 'THANH_TIEN_BV');
  if (net) item.net = net;
  const site = row.get('VI_TRI_TH_DVKT');
  if (site) item.bodySite = pack.concept('bodySite', site);
  item.encounter = [ctx.encounterRef()];
  return item;
}

export interface ClaimInputs {
  xml1: TableRow;
  coverages: readonly Coverage[];
  diagnoses: readonly Diagnosis[];
  lines: readonly ClaimLine[];
  now: Date;
}

export function buildClaim(ctx: MapContext, { xml1, coverages, diagnoses, lines, now }: ClaimInputs): Claim | undefined {
  const { pack } = ctx;
  if (coverages.length === 0) {
    ctx.warn(Xml130WarningCode.missingValue, xml1.field('MA_THE_BHYT'), 'no BHYT card: the record is sent without a Claim');
    return undefined;
  }
  const extension: Extension[] = [];
  const summary = costSummary(ctx, xml1, COST_SUMMARY_PARTS);
  if (summary) extension.push(summary);
  const year = integerOf(ctx, xml1, 'NAM_QT');
  const month = integerOf(ctx, xml1, 'THANG_QT');
  if (year !== undefined || month !== undefined) {
    const period: Extension[] = [];
    if (year !== undefined) period.push({ url: 'year', valueInteger: year });
    if (month !== undefined) {
      if (month >= 1 && month <= 12) period.push({ url: 'month', valueInteger: month });
      else ctx.warn(Xml130WarningCode.invalidValue, xml1.field('THANG_QT'), `THANG_QT ${month} is not a month`);
    }
    if (period.length) extension.push({ url: pack.ext('claimPaymentPeriod'), extension: period });
  }

  let created = dateTimeOf(ctx, xml1, 'NGAY_TTOAN');
  if (!created) {
    created = ctx.encounterPeriod?.end ?? ctx.encounterPeriod?.start;
    if (!created) {
      created = now.toISOString();
      ctx.warn(Xml130WarningCode.missingValue, xml1.field('NGAY_TTOAN'), 'no payment, discharge or arrival time: Claim.created is the conversion time');
    }
  }
  const maLoaiKcb = xml1.peek('MA_LOAI_KCB');
  const claimType = (maLoaiKcb && pack.mapCode('MA_LOAI_KCB.claimType', padCode(maLoaiKcb, 2))) || 'professional';
  const claim: Claim = {
    resourceType: 'Claim',
    id: ctx.recordResourceId('Claim'),
    meta: pack.meta('Claim'),
    status: 'active',
    type: pack.concept('claimType', claimType),
    use: 'claim',
    patient: ctx.patientRef(),
    created,
    provider: ctx.facilityRef(),
    priority: pack.concept('processPriority', 'normal'),
    insurance: [],
  };
  if (extension.length) claim.extension = extension;
  claim.identifier = [pack.identifier('maLk', ctx.keys.maLk, { csKey: 'identifierType', code: 'MA_LK' })];
  const doiTuong = xml1.get('MA_DOITUONG_KCB');
  if (doiTuong) {
    const code = patientCategoryCode(doiTuong);
    if (code !== doiTuong) ctx.normalise({ field: xml1.field('MA_DOITUONG_KCB'), rule: 'code-leading-zero', from: doiTuong, to: code });
    claim.subType = pack.concept('patientCategory', code);
  }
  if (ctx.encounterPeriod) claim.billablePeriod = ctx.encounterPeriod;
  const ttdv = xml1.get('MA_TTDV');
  if (ttdv) claim.enterer = practitionerRef(pack, ttdv);
  const referral = referralPaper(ctx, xml1);
  if (referral) claim.referral = referral;

  const refs = new ClaimRefs(ctx);
  for (const d of diagnoses.filter((x) => x.coded)) refs.addCondition(d);
  const procedures = splitList(xml1.get('MA_PTTT_QT'));
  if (procedures.length) {
    claim.procedure = procedures.map((code, i) => ({ sequence: i + 1, procedureCodeableConcept: pack.concept('icd9cm', code) }));
  }
  // The current card (the last of a `;` list) is the focal one (invariant vn-claim-single-focal-insurance).
  claim.insurance = coverages.map((c, i) => ({ sequence: i + 1, focal: i === coverages.length - 1, coverage: { reference: `urn:uuid:${c.id}` } }));
  const taiNan = xml1.get('MA_TAI_NAN');
  if (taiNan && taiNan !== NO_ACCIDENT) {
    const date = ctx.encounterPeriod?.start?.slice(0, 10);
    if (date) claim.accident = { date, type: pack.concept('accidentType', taiNan) };
    else ctx.warn(Xml130WarningCode.missingValue, xml1.field('MA_TAI_NAN'), 'accident code without an arrival date; not sent');
  }
  if (lines.length) claim.item = lines.map((l, i) => claimItem(ctx, l, i + 1, refs));
  if (refs.careTeam.length) claim.careTeam = refs.careTeam;
  if (refs.diagnosis.length) claim.diagnosis = refs.diagnosis;
  const parts = summary?.extension ?? [];
  const total: Money | undefined = (parts.find((e) => e.url === 'totalHospitalPrice') ?? parts.find((e) => e.url === 'totalCost'))?.valueMoney;
  if (total) claim.total = total;
  return claim;
}
