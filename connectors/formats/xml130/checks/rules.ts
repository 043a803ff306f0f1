// The pre-submission checks of claim data, as data (like the mapping tables): each rule has a
// stable id, a severity (error: the insurance portal would reject the record; warning: a
// reviewer would query it), the table and element it speaks of, where it comes from, and a
// message in Vietnamese and English that says what to fix. engine.ts evaluates them.
// docs/claim-checks.md lists every rule with its source (standards/XML130.md sections).
import type { Severity } from './findings.js';
import type { CheckRow } from './claimTables.js';
import { birthDate } from '../mappers/datatypes.js';
import { amountOf, isClaimDate, isClaimTimestamp } from './values.js';
import { ENCOUNTER_TYPE_DISPLAY } from '../mappers/mappingTables.js';

const ENCOUNTER_TYPE_CODES = Object.keys(ENCOUNTER_TYPE_DISPLAY);

export interface Text {
  vi: string;
  en: string;
}

/** An element of the row being checked, of the record's XML1, or of the XML3 row that ordered an XML4 result. */
export type FieldRef = { field: string; of?: 'row' | 'XML1' | 'orderingXML3' };

export type RuleCheck =
  /** `earlier` ≤ `later`, both timestamps; the finding is on the rule's element. */
  | { kind: 'order'; earlier: FieldRef; later: FieldRef }
  /** The element, when present, passes `valid`; `list` checks each `;` item. */
  | { kind: 'format'; valid: (value: string) => boolean; list?: { max?: number } }
  | { kind: 'required' }
  /** Required in rows where `when` holds. */
  | { kind: 'requiredWhen'; when: (row: CheckRow, xml1: CheckRow | undefined) => boolean }
  /** The table `paper` must be in the record exactly when `when(XML1)` holds (finding on XML1's element). */
  | { kind: 'paperWhen'; paper: string; when: (xml1: CheckRow) => boolean; expect: 'present' | 'absent' }
  /** element = Π factors × Π (percents / 100), within the row (4750 line amounts). Absent percents count as 100. */
  | { kind: 'product'; factors: string[]; percents: string[] }
  /** element = Σ sign × term, within the row. */
  | { kind: 'sum'; terms: Array<readonly [sign: 1 | -1, field: string]> }
  /** XML1 element = Σ of an element over line tables' rows (optionally only rows where `where` holds). */
  | { kind: 'total'; of: Array<{ table: string; field: string; where?: (row: CheckRow) => boolean }> }
  /** MA_THE_BHYT, MA_DKBD, GT_THE_TU, GT_THE_DEN hold the same number of `;` items. */
  | { kind: 'cardAligned' }
  /** Each card period's GT_THE_TU ≤ its GT_THE_DEN. */
  | { kind: 'cardPeriod' }
  /** The card periods cover the visit: `start` the admission day, `end` the discharge day, `gap` every day between. */
  | { kind: 'cardCovers'; part: 'start' | 'end' | 'gap' }
  /** Every table of the record could be read (base64, XML). */
  | { kind: 'readable' }
  /** The record has its XML1 (TONG_HOP), without which nothing else can be checked. */
  | { kind: 'xml1Present' }
  | { kind: 'placeholder' }
  | { kind: 'sentinel' }
  | { kind: 'birth'; test: 'afterAdmission' | 'age' | 'newbornTime' };

export interface Rule {
  id: string;
  severity: Severity;
  /** `XML1` … `XML15`; `*` for rules that look at every table. */
  table: string;
  /** Element name; `*` for rules that look at every element. */
  field: string;
  check: RuleCheck;
  message: Text;
  /** Where the rule comes from (standards/XML130.md section, or the decision it cites). */
  source: string;
}

// ---------------------------------------------------------------------------------------
// Value tests (standards/XML130.md §4, §6–§11).

const isTimestamp = isClaimTimestamp;
const isDate = isClaimDate;
/** ICD-10 as the portal wants it: one letter, two digits, an optional dotted subdivision (`K30`, `J03.9`). */
const isIcd10 = (v: string) => /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/.test(v);
/** National catalogue codes are dotted tokens without spaces: `40.1032`, `05C.135.5`, `22.0121.1369`, `K03.1912`, `13.0007.0671_GT`. */
const CATALOGUE_CODE = /^[0-9A-Z_]+(\.[0-9A-Z_]+)+$/;
/** Drug codes: catalogue codes, compounded ones joined by `+` (XML130.md §7). */
const isDrugCode = (v: string) => v.split('+').every((part) => CATALOGUE_CODE.test(part));
const isServiceCode = (v: string) => CATALOGUE_CODE.test(v);
/** MA_CSKCB and the referral facilities: 5 characters (XML130.md §6); in practice digits. */
const isFacility = (v: string) => /^\d{5}$/.test(v);
/** MA_DKBD: 5 characters; a temporary card's is the province code + `000`. */
const isPrimaryCare = (v: string) => /^[0-9A-Z]{5}$/.test(v);
/** MA_THE_BHYT: 15 characters, 2-letter group + 13 digits (XML130.md §11). */
const isCard = (v: string) => /^[A-Z]{2}\d{13}$/.test(v);
/** MA_DOITUONG_KCB per QĐ 3276/2025 App. 1 (XML130.md §11): 1.1–1.18, 2, 3.1–3.7, 7.x, 8, 9, 10. */
const PATIENT_CATEGORY = /^(1\.([1-9]|1[0-8])|2|3\.[1-7]|7(\.\d{1,2})?|8|9|10)$/;
const isPatientCategory = (v: string) => PATIENT_CATEGORY.test(v.replace(/^0+(?=\d)/, ''));
const oneOf = (codes: readonly string[]) => (v: string) => codes.includes(v);
const isAmount = (v: string) => amountOf(v) !== undefined;

/** A result is numeric when GIA_TRI reads as a decimal number (with a dot or a decimal comma). */
export const isNumericResult = (v: string | undefined): boolean => v !== undefined && /^[+-]?(\d+([.,]\d+)?|[.,]\d+)$/.test(v.trim());

/** MA_LOAI_RV that send the patient to another facility (XML130.md §11): 2 medical transfer, 5 at the patient's request. */
export const REFERRAL_DISCHARGES: readonly string[] = ['2', '5'];

// ---------------------------------------------------------------------------------------
// Builders: one line of data per rule family, expanded into rules with their own ids.

const rules: Rule[] = [];
const add = (r: Rule) => rules.push(r);

const S_FORMATS = 'XML130.md §4 (formats), PL4750';

function timestampFormat(table: string, field: string): void {
  add({
    id: `${table}.${field}.FORMAT`,
    severity: 'error',
    table,
    field,
    check: { kind: 'format', valid: isTimestamp },
    message: {
      vi: `${field} phải là thời điểm yyyyMMddHHmm (12 chữ số, giờ 24) có thật: sửa lại trong HIS.`,
      en: `${field} must be a real yyyyMMddHHmm time (12 digits, 24-hour clock): correct it in the HIS.`,
    },
    source: S_FORMATS,
  });
}

function codeFormat(table: string, field: string, valid: (v: string) => boolean, what: Text, source: string, list?: { max?: number }, severity: Severity = 'error'): void {
  add({
    id: `${table}.${field}.FORMAT`,
    severity,
    table,
    field,
    check: { kind: 'format', valid, ...(list ? { list } : {}) },
    message: {
      vi: `${field} phải là ${what.vi}${list ? ' (danh sách cách nhau bởi ";")' : ''}: ghi mã, không ghi chữ.`,
      en: `${field} must be ${what.en}${list ? ' (a ";" list)' : ''}: write the code, not text.`,
    },
    source,
  });
}

function required(table: string, field: string, source: string, severity: Severity = 'error'): void {
  add({
    id: `${table}.${field}.REQUIRED`,
    severity,
    table,
    field,
    check: { kind: 'required' },
    message: { vi: `Thiếu ${field}: bổ sung trước khi gửi.`, en: `${field} is missing: fill it in before sending.` },
    source,
  });
}

/** `later` must not be before `earlier`: both in the row, or `earlier`/`later` in XML1 (the stay). */
function order(id: string, table: string, field: string, earlier: FieldRef, later: FieldRef, message: Text, severity: Severity = 'error', source = 'XML130.md §4, §6–§10'): void {
  add({ id, severity, table, field, check: { kind: 'order', earlier, later }, message, source });
}

/** A time of a line table must fall inside the stay (XML1 NGAY_VAO … NGAY_RA). */
function insideStay(table: string, field: string, afterDischarge: Severity = 'error'): void {
  order(
    `${table}.${field}.BEFORE_ADMISSION`,
    table,
    field,
    { field: 'NGAY_VAO', of: 'XML1' },
    { field },
    { vi: `${field} sớm hơn thời điểm vào viện (XML1 NGAY_VAO): sửa thời điểm cho đúng.`, en: `${field} is before the admission (XML1 NGAY_VAO): correct the time.` },
  );
  order(
    `${table}.${field}.AFTER_DISCHARGE`,
    table,
    field,
    { field },
    { field: 'NGAY_RA', of: 'XML1' },
    { vi: `${field} muộn hơn thời điểm ra viện (XML1 NGAY_RA): sửa thời điểm cho đúng.`, en: `${field} is after the discharge (XML1 NGAY_RA): correct the time.` },
    afterDischarge,
  );
}

function money(id: string, table: string, field: string, check: RuleCheck, formula: Text, source = 'XML130.md §6–§8 (PL4750)'): void {
  add({
    id,
    severity: 'error',
    table,
    field,
    check,
    message: { vi: `${field} phải bằng ${formula.vi}: sửa số tiền cho khớp.`, en: `${field} must equal ${formula.en}: correct the amount.` },
    source,
  });
}

// --- Dates within a record and across tables ---------------------------------------------

for (const f of ['NGAY_VAO', 'NGAY_RA']) timestampFormat('XML1', f);
for (const f of ['NGAY_VAO_NOI_TRU', 'NGAY_TTOAN']) timestampFormat('XML1', f);
for (const f of ['NGAY_YL', 'NGAY_TH_YL']) timestampFormat('XML2', f);
for (const f of ['NGAY_YL', 'NGAY_TH_YL', 'NGAY_KQ']) timestampFormat('XML3', f);
timestampFormat('XML4', 'NGAY_KQ');
timestampFormat('XML5', 'THOI_DIEM_DBLS');

order('XML1.NGAY_RA.BEFORE_ADMISSION', 'XML1', 'NGAY_RA', { field: 'NGAY_VAO' }, { field: 'NGAY_RA' }, {
  vi: 'NGAY_RA sớm hơn NGAY_VAO: thời điểm ra viện phải sau thời điểm vào viện.',
  en: 'NGAY_RA is before NGAY_VAO: the discharge must come after the admission.',
});
order('XML1.NGAY_VAO_NOI_TRU.BEFORE_ADMISSION', 'XML1', 'NGAY_VAO_NOI_TRU', { field: 'NGAY_VAO' }, { field: 'NGAY_VAO_NOI_TRU' }, {
  vi: 'NGAY_VAO_NOI_TRU sớm hơn NGAY_VAO: y lệnh nhập viện phải sau khi người bệnh đến.',
  en: 'NGAY_VAO_NOI_TRU is before NGAY_VAO: the admission order comes after the patient arrives.',
});
order('XML1.NGAY_VAO_NOI_TRU.AFTER_DISCHARGE', 'XML1', 'NGAY_VAO_NOI_TRU', { field: 'NGAY_VAO_NOI_TRU' }, { field: 'NGAY_RA' }, {
  vi: 'NGAY_VAO_NOI_TRU muộn hơn NGAY_RA: sửa thời điểm nhập viện.',
  en: 'NGAY_VAO_NOI_TRU is after NGAY_RA: correct the admission-order time.',
});
order(
  'XML1.NGAY_TTOAN.BEFORE_DISCHARGE',
  'XML1',
  'NGAY_TTOAN',
  { field: 'NGAY_RA' },
  { field: 'NGAY_TTOAN' },
  { vi: 'NGAY_TTOAN sớm hơn NGAY_RA: kiểm tra thời điểm thanh toán.', en: 'NGAY_TTOAN is before NGAY_RA: check the payment time.' },
  'warning',
);

order('XML2.NGAY_TH_YL.BEFORE_ORDER', 'XML2', 'NGAY_TH_YL', { field: 'NGAY_YL' }, { field: 'NGAY_TH_YL' }, {
  vi: 'Thuốc được dùng (NGAY_TH_YL) trước khi có y lệnh (NGAY_YL): sửa thời điểm y lệnh hoặc thực hiện.',
  en: 'The drug was given (NGAY_TH_YL) before it was ordered (NGAY_YL): correct the order or the administration time.',
});
order('XML3.NGAY_TH_YL.BEFORE_ORDER', 'XML3', 'NGAY_TH_YL', { field: 'NGAY_YL' }, { field: 'NGAY_TH_YL' }, {
  vi: 'Dịch vụ được thực hiện (NGAY_TH_YL) trước khi có y lệnh (NGAY_YL): sửa thời điểm.',
  en: 'The service was performed (NGAY_TH_YL) before it was ordered (NGAY_YL): correct the time.',
});
order('XML3.NGAY_KQ.BEFORE_PERFORMED', 'XML3', 'NGAY_KQ', { field: 'NGAY_TH_YL' }, { field: 'NGAY_KQ' }, {
  vi: 'Có kết quả (NGAY_KQ) trước khi thực hiện (NGAY_TH_YL): sửa thời điểm.',
  en: 'The result (NGAY_KQ) is before the service was performed (NGAY_TH_YL): correct the time.',
});
order('XML3.NGAY_KQ.BEFORE_ORDER', 'XML3', 'NGAY_KQ', { field: 'NGAY_YL' }, { field: 'NGAY_KQ' }, {
  vi: 'Có kết quả (NGAY_KQ) trước khi có y lệnh (NGAY_YL): sửa thời điểm.',
  en: 'The result (NGAY_KQ) is before the order (NGAY_YL): correct the time.',
});
order('XML4.NGAY_KQ.BEFORE_ORDER', 'XML4', 'NGAY_KQ', { field: 'NGAY_YL', of: 'orderingXML3' }, { field: 'NGAY_KQ' }, {
  vi: 'Kết quả (NGAY_KQ) sớm hơn y lệnh của dịch vụ đã chỉ định nó (XML3 NGAY_YL cùng MA_DICH_VU): sửa thời điểm.',
  en: 'The result (NGAY_KQ) is before the order of its service (XML3 NGAY_YL with the same MA_DICH_VU): correct the time.',
});

for (const f of ['NGAY_YL', 'NGAY_TH_YL']) insideStay('XML2', f);
for (const f of ['NGAY_YL', 'NGAY_TH_YL']) insideStay('XML3', f);
insideStay('XML3', 'NGAY_KQ', 'warning');
insideStay('XML4', 'NGAY_KQ', 'warning');
insideStay('XML5', 'THOI_DIEM_DBLS');

// --- Card validity (XML130.md §4 "lists", §6 GT_THE_TU / GT_THE_DEN) -----------------------

const S_CARD = 'XML130.md §4 (lists aligned by position), §6';
add({
  id: 'XML1.CARD.LISTS_NOT_ALIGNED',
  severity: 'error',
  table: 'XML1',
  field: 'GT_THE_DEN',
  check: { kind: 'cardAligned' },
  message: {
    vi: 'MA_THE_BHYT, MA_DKBD, GT_THE_TU, GT_THE_DEN phải có cùng số mục (cách nhau bởi ";"), mỗi thẻ một vị trí.',
    en: 'MA_THE_BHYT, MA_DKBD, GT_THE_TU and GT_THE_DEN must hold the same number of ";" items, one position per card.',
  },
  source: S_CARD,
});
for (const f of ['GT_THE_TU', 'GT_THE_DEN']) codeFormat('XML1', f, isDate, { vi: 'ngày yyyyMMdd có thật', en: 'a real yyyyMMdd date' }, S_FORMATS, {});
add({
  id: 'XML1.CARD.PERIOD_REVERSED',
  severity: 'error',
  table: 'XML1',
  field: 'GT_THE_TU',
  check: { kind: 'cardPeriod' },
  message: { vi: 'GT_THE_TU sau GT_THE_DEN của cùng thẻ: sửa hạn thẻ.', en: 'GT_THE_TU is after GT_THE_DEN of the same card: correct the card period.' },
  source: S_CARD,
});
add({
  id: 'XML1.CARD.NOT_VALID_AT_ADMISSION',
  severity: 'error',
  table: 'XML1',
  field: 'GT_THE_TU',
  check: { kind: 'cardCovers', part: 'start' },
  message: { vi: 'Thẻ BHYT chưa có hiệu lực vào ngày vào viện (GT_THE_TU sau NGAY_VAO): kiểm tra thẻ.', en: 'The insurance card is not yet valid on the admission day (GT_THE_TU after NGAY_VAO): check the card.' },
  source: S_CARD,
});
add({
  id: 'XML1.CARD.EXPIRED_BEFORE_DISCHARGE',
  severity: 'error',
  table: 'XML1',
  field: 'GT_THE_DEN',
  check: { kind: 'cardCovers', part: 'end' },
  message: { vi: 'Thẻ BHYT hết hạn trước ngày ra viện (GT_THE_DEN trước NGAY_RA): ghi thẻ mới (danh sách ";").', en: 'The insurance card expires before the discharge day (GT_THE_DEN before NGAY_RA): add the new card (";" list).' },
  source: S_CARD,
});
add({
  id: 'XML1.CARD.GAP_DURING_STAY',
  severity: 'error',
  table: 'XML1',
  field: 'GT_THE_TU',
  check: { kind: 'cardCovers', part: 'gap' },
  message: { vi: 'Các thẻ BHYT để trống một khoảng ngày trong đợt điều trị: kiểm tra GT_THE_TU/GT_THE_DEN.', en: 'The insurance cards leave days of the stay uncovered: check GT_THE_TU / GT_THE_DEN.' },
  source: S_CARD,
});

// --- Code formats per field (XML130.md §6–§11, §12 Bảng 13) --------------------------------

const ICD: Text = { vi: 'mã ICD-10 (ví dụ J03.9)', en: 'an ICD-10 code (e.g. J03.9)' };
codeFormat('XML1', 'MA_BENH_CHINH', isIcd10, { vi: 'một mã ICD-10 (ví dụ J03.9)', en: 'one ICD-10 code (e.g. J03.9)' }, 'XML130.md §6 (QĐ 4469/2020)');
codeFormat('XML1', 'MA_BENH_KT', isIcd10, ICD, 'XML130.md §6 (at most 12)', { max: 12 });
codeFormat('XML3', 'MA_BENH', isIcd10, ICD, 'XML130.md §8', {});
codeFormat('XML13', 'MA_BENH_CHINH', isIcd10, { vi: 'một mã ICD-10', en: 'one ICD-10 code' }, 'XML130.md §12 Bảng 13');
codeFormat('XML13', 'MA_BENH_KT', isIcd10, ICD, 'XML130.md §12 Bảng 13', { max: 12 });
codeFormat('XML13', 'MA_LYDO_CT', (v) => /^\d$/.test(v), { vi: 'mã lý do chuyển tuyến 1 chữ số', en: 'the 1-digit referral-reason code' }, 'XML130.md §12 Bảng 13 (number, length 1)');
codeFormat('XML1', 'MA_LOAI_KCB', oneOf(ENCOUNTER_TYPE_CODES), { vi: 'mã loại KCB 01–16 (2 chữ số)', en: 'a care-type code 01–16 (2 digits)' }, 'XML130.md §11 (QĐ 824/2023, QĐ 1804/2026)');
codeFormat('XML1', 'MA_DOITUONG_KCB', isPatientCategory, { vi: 'mã đối tượng KCB theo QĐ 3276/2025 (1.1, 2, 3.3 …)', en: 'a patient-category code of QĐ 3276/2025 (1.1, 2, 3.3 …)' }, 'XML130.md §11');
add({
  id: 'XML1.MA_DOITUONG_KCB.LEADING_ZERO',
  severity: 'warning',
  table: 'XML1',
  field: 'MA_DOITUONG_KCB',
  check: { kind: 'format', valid: (v) => !/^0\d/.test(v) },
  message: { vi: 'MA_DOITUONG_KCB có số 0 ở đầu (ví dụ 02): ghi đúng mã trong danh mục (2).', en: 'MA_DOITUONG_KCB has a leading zero (e.g. 02): write the catalogue code (2).' },
  source: 'XML130.md §11, §14 (deviation seen in real files)',
});
codeFormat('XML2', 'MA_THUOC', isDrugCode, { vi: 'mã hoạt chất theo danh mục dùng chung (ví dụ 40.1032)', en: 'a national active-ingredient code (e.g. 40.1032)' }, 'XML130.md §7');
codeFormat('XML3', 'MA_DICH_VU', isServiceCode, { vi: 'mã dịch vụ theo danh mục (ví dụ 22.0121.1369)', en: 'a catalogue service code (e.g. 22.0121.1369)' }, 'XML130.md §8');
codeFormat('XML4', 'MA_DICH_VU', isServiceCode, { vi: 'mã dịch vụ theo danh mục', en: 'a catalogue service code' }, 'XML130.md §9');
const FACILITY: Text = { vi: 'mã cơ sở KCB 5 chữ số', en: 'a 5-digit facility code' };
codeFormat('XML1', 'MA_CSKCB', isFacility, FACILITY, 'XML130.md §6');
codeFormat('XML13', 'MA_CSKCB', isFacility, FACILITY, 'XML130.md §12 Bảng 13');
for (const f of ['MA_NOI_DI', 'MA_NOI_DEN']) {
  codeFormat('XML1', f, isFacility, FACILITY, 'XML130.md §6');
  codeFormat('XML13', f, isFacility, FACILITY, 'XML130.md §12 Bảng 13');
}
codeFormat('XML1', 'MA_DKBD', isPrimaryCare, { vi: 'mã nơi đăng ký KCB ban đầu 5 ký tự', en: 'a 5-character primary-care facility code' }, 'XML130.md §6', {});
codeFormat('XML1', 'MA_THE_BHYT', isCard, { vi: 'số thẻ BHYT 15 ký tự (2 chữ + 13 số)', en: 'a 15-character card number (2 letters + 13 digits)' }, 'XML130.md §11', {});
codeFormat('XML1', 'GIOI_TINH', oneOf(['1', '2', '3']), { vi: 'mã giới tính 1, 2 hoặc 3', en: 'a sex code 1, 2 or 3' }, 'XML130.md §11');
codeFormat('XML1', 'KET_QUA_DTRI', oneOf(['1', '2', '3', '4', '5', '6', '7', '8']), { vi: 'mã kết quả điều trị 1–8', en: 'a treatment-outcome code 1–8' }, 'XML130.md §11');
codeFormat('XML1', 'MA_LOAI_RV', oneOf(['1', '2', '3', '4', '5']), { vi: 'mã loại ra viện 1–5', en: 'a discharge-type code 1–5' }, 'XML130.md §11');
codeFormat('XML13', 'MA_LOAI_RV', oneOf(['1', '2', '3', '4', '5']), { vi: 'mã loại ra viện 1–5', en: 'a discharge-type code 1–5' }, 'XML130.md §11');

// --- Required, and required-when ----------------------------------------------------------

for (const f of ['MA_LK', 'MA_BN', 'HO_TEN', 'NGAY_SINH', 'GIOI_TINH', 'MA_CSKCB', 'MA_LOAI_KCB', 'MA_DOITUONG_KCB', 'NGAY_VAO', 'NGAY_RA', 'MA_BENH_CHINH', 'MA_KHOA', 'KET_QUA_DTRI', 'MA_LOAI_RV', 'T_TONGCHI_BV']) {
  required('XML1', f, 'XML130.md §6 (PL4750 Bảng 1)');
}
for (const f of ['MA_THUOC', 'SO_LUONG', 'DON_GIA', 'THANH_TIEN_BV', 'NGAY_YL']) required('XML2', f, 'XML130.md §7');
for (const f of ['SO_LUONG', 'THANH_TIEN_BV', 'NGAY_YL']) required('XML3', f, 'XML130.md §8');
required('XML4', 'MA_DICH_VU', 'XML130.md §9');
required('XML13', 'MA_LYDO_CT', 'XML130.md §12 Bảng 13');
add({
  id: 'XML3.MA_DICH_VU.REQUIRED',
  severity: 'error',
  table: 'XML3',
  field: 'MA_DICH_VU',
  check: { kind: 'requiredWhen', when: (row) => !row.values.has('MA_VAT_TU') },
  message: { vi: 'Dòng không có MA_DICH_VU lẫn MA_VAT_TU: ghi mã dịch vụ hoặc mã vật tư.', en: 'The line has neither MA_DICH_VU nor MA_VAT_TU: write the service or the supply code.' },
  source: 'XML130.md §8',
});
add({
  id: 'XML4.DON_VI_DO.REQUIRED_FOR_NUMBER',
  severity: 'warning',
  table: 'XML4',
  field: 'DON_VI_DO',
  check: { kind: 'requiredWhen', when: (row) => isNumericResult(row.values.get('GIA_TRI')) },
  message: { vi: 'Kết quả là số (GIA_TRI) nhưng thiếu đơn vị đo DON_VI_DO: ghi đơn vị (ví dụ G/L, mmol/L).', en: 'The result (GIA_TRI) is a number but DON_VI_DO (its unit) is missing: write the unit (e.g. G/L, mmol/L).' },
  source: 'XML130.md §9 (GIA_TRI, DON_VI_DO)',
});
for (const f of ['GT_THE_TU', 'GT_THE_DEN', 'MA_DKBD']) {
  add({
    id: `XML1.${f}.REQUIRED_WITH_CARD`,
    severity: 'error',
    table: 'XML1',
    field: f,
    check: { kind: 'requiredWhen', when: (row) => row.values.has('MA_THE_BHYT') },
    message: { vi: `Có MA_THE_BHYT nhưng thiếu ${f}: ghi theo thẻ BHYT.`, en: `MA_THE_BHYT is given but ${f} is missing: copy it from the insurance card.` },
    source: 'XML130.md §6',
  });
}
add({
  id: 'XML1.NGAY_VAO_NOI_TRU.REQUIRED_INPATIENT',
  severity: 'warning',
  table: 'XML1',
  field: 'NGAY_VAO_NOI_TRU',
  check: { kind: 'requiredWhen', when: (row) => ['03', '04'].includes(row.values.get('MA_LOAI_KCB') ?? '') },
  message: { vi: 'Điều trị nội trú (MA_LOAI_KCB 03/04) nhưng thiếu NGAY_VAO_NOI_TRU: ghi thời điểm y lệnh nhập viện.', en: 'An inpatient stay (MA_LOAI_KCB 03/04) without NGAY_VAO_NOI_TRU: write the admission-order time.' },
  source: 'XML130.md §5, §6 (new in 4750)',
});
add({
  id: 'XML1.MA_LOAI_RV.REFERRAL_WITHOUT_XML13',
  severity: 'error',
  table: 'XML1',
  field: 'MA_LOAI_RV',
  check: { kind: 'paperWhen', paper: 'XML13', when: (x) => REFERRAL_DISCHARGES.includes(x.values.get('MA_LOAI_RV') ?? ''), expect: 'present' },
  message: { vi: 'Ra viện dạng chuyển tuyến (MA_LOAI_RV 2 hoặc 5) nhưng không có giấy chuyển tuyến XML13: gửi kèm XML13.', en: 'The discharge is a referral (MA_LOAI_RV 2 or 5) but there is no referral paper (XML13): send XML13 with it.' },
  source: 'XML130.md §11, §12 Bảng 13',
});
add({
  id: 'XML1.MA_LOAI_RV.XML13_WITHOUT_REFERRAL',
  severity: 'error',
  table: 'XML1',
  field: 'MA_LOAI_RV',
  check: { kind: 'paperWhen', paper: 'XML13', when: (x) => !REFERRAL_DISCHARGES.includes(x.values.get('MA_LOAI_RV') ?? ''), expect: 'absent' },
  message: {
    vi: 'Có giấy chuyển tuyến XML13 nhưng loại ra viện (MA_LOAI_RV) không phải chuyển tuyến (2 hoặc 5): sửa MA_LOAI_RV hoặc bỏ XML13.',
    en: 'There is a referral paper (XML13) but the discharge type (MA_LOAI_RV) is not a referral (2 or 5): correct MA_LOAI_RV or drop XML13.',
  },
  source: 'XML130.md §11, §12 Bảng 13',
});

// --- Money (XML130.md §6–§8, 4750 rules) ---------------------------------------------------

for (const t of ['XML2', 'XML3']) {
  const price = t === 'XML2' ? 'DON_GIA' : 'DON_GIA_BV';
  for (const f of ['SO_LUONG', price, 'THANH_TIEN_BV', 'THANH_TIEN_BH', 'T_BNTT', 'T_BNCCT', 'T_BHTT', 'T_NGUONKHAC']) {
    codeFormat(t, f, isAmount, { vi: 'số thập phân dùng dấu chấm', en: 'a decimal number with a dot' }, S_FORMATS);
  }
}
for (const f of ['T_THUOC', 'T_VTYT', 'T_TONGCHI_BV', 'T_TONGCHI_BH', 'T_BNTT', 'T_BNCCT', 'T_BHTT', 'T_NGUONKHAC']) {
  codeFormat('XML1', f, isAmount, { vi: 'số tiền (số thập phân dùng dấu chấm)', en: 'an amount (a decimal number with a dot)' }, S_FORMATS);
}
money('XML2.THANH_TIEN_BV.NOT_QTY_X_PRICE', 'XML2', 'THANH_TIEN_BV', { kind: 'product', factors: ['SO_LUONG', 'DON_GIA'], percents: [] }, { vi: 'SO_LUONG × DON_GIA', en: 'SO_LUONG × DON_GIA' });
money('XML2.THANH_TIEN_BH.NOT_QTY_X_PRICE_X_RATE', 'XML2', 'THANH_TIEN_BH', { kind: 'product', factors: ['SO_LUONG', 'DON_GIA'], percents: ['TYLE_TT_BH'] }, { vi: 'SO_LUONG × DON_GIA × TYLE_TT_BH / 100', en: 'SO_LUONG × DON_GIA × TYLE_TT_BH / 100' });
money('XML3.THANH_TIEN_BV.NOT_QTY_X_PRICE', 'XML3', 'THANH_TIEN_BV', { kind: 'product', factors: ['SO_LUONG', 'DON_GIA_BV'], percents: ['TYLE_TT_DV'] }, { vi: 'SO_LUONG × DON_GIA_BV × TYLE_TT_DV / 100', en: 'SO_LUONG × DON_GIA_BV × TYLE_TT_DV / 100' });
money('XML3.THANH_TIEN_BH.NOT_QTY_X_PRICE_X_RATE', 'XML3', 'THANH_TIEN_BH', { kind: 'product', factors: ['SO_LUONG', 'DON_GIA_BH'], percents: ['TYLE_TT_BH'] }, { vi: 'SO_LUONG × DON_GIA_BH × TYLE_TT_BH / 100', en: 'SO_LUONG × DON_GIA_BH × TYLE_TT_BH / 100' });
for (const t of ['XML2', 'XML3']) {
  money(`${t}.SHARES.NOT_LINE_TOTAL`, t, 'THANH_TIEN_BV', { kind: 'sum', terms: [[1, 'T_BNTT'], [1, 'T_BNCCT'], [1, 'T_BHTT'], [1, 'T_NGUONKHAC']] }, { vi: 'T_BNTT + T_BNCCT + T_BHTT + T_NGUONKHAC (các phần chi trả của dòng)', en: 'T_BNTT + T_BNCCT + T_BHTT + T_NGUONKHAC (the shares of the line)' });
  money(`${t}.T_NGUONKHAC.NOT_SOURCES_SUM`, t, 'T_NGUONKHAC', { kind: 'sum', terms: [[1, 'T_NGUONKHAC_NSNN'], [1, 'T_NGUONKHAC_VTNN'], [1, 'T_NGUONKHAC_VTTN'], [1, 'T_NGUONKHAC_CL']] }, { vi: 'T_NGUONKHAC_NSNN + _VTNN + _VTTN + _CL', en: 'T_NGUONKHAC_NSNN + _VTNN + _VTTN + _CL' });
}
const lines = (field: string) => [{ table: 'XML2', field }, { table: 'XML3', field }];
money('XML1.T_THUOC.NOT_SUM_OF_DRUGS', 'XML1', 'T_THUOC', { kind: 'total', of: [{ table: 'XML2', field: 'THANH_TIEN_BV' }] }, { vi: 'tổng THANH_TIEN_BV của XML2', en: 'the sum of XML2 THANH_TIEN_BV' });
money('XML1.T_VTYT.NOT_SUM_OF_SUPPLIES', 'XML1', 'T_VTYT', { kind: 'total', of: [{ table: 'XML3', field: 'THANH_TIEN_BV', where: (r) => r.values.has('MA_VAT_TU') }] }, { vi: 'tổng THANH_TIEN_BV các dòng vật tư (có MA_VAT_TU) của XML3', en: 'the sum of THANH_TIEN_BV over XML3 supply lines (with MA_VAT_TU)' });
money('XML1.T_TONGCHI_BV.NOT_SUM_OF_LINES', 'XML1', 'T_TONGCHI_BV', { kind: 'total', of: lines('THANH_TIEN_BV') }, { vi: 'tổng THANH_TIEN_BV của XML2 và XML3', en: 'the sum of THANH_TIEN_BV over XML2 and XML3' });
money('XML1.T_TONGCHI_BH.NOT_SUM_OF_LINES', 'XML1', 'T_TONGCHI_BH', { kind: 'total', of: lines('THANH_TIEN_BH') }, { vi: 'tổng THANH_TIEN_BH của XML2 và XML3', en: 'the sum of THANH_TIEN_BH over XML2 and XML3' });
for (const f of ['T_BNTT', 'T_BNCCT', 'T_BHTT', 'T_NGUONKHAC']) {
  money(`XML1.${f}.NOT_SUM_OF_LINES`, 'XML1', f, { kind: 'total', of: lines(f) }, { vi: `tổng ${f} của các dòng XML2 và XML3`, en: `the sum of ${f} over the XML2 and XML3 lines` });
}
money('XML1.T_BHTT.NOT_SCOPE_MINUS_COPAY', 'XML1', 'T_BHTT', { kind: 'sum', terms: [[1, 'T_TONGCHI_BH'], [-1, 'T_BNCCT']] }, { vi: 'T_TONGCHI_BH − T_BNCCT', en: 'T_TONGCHI_BH − T_BNCCT' });
money('XML1.SHARES.NOT_TOTAL', 'XML1', 'T_TONGCHI_BV', { kind: 'sum', terms: [[1, 'T_BNTT'], [1, 'T_BNCCT'], [1, 'T_BHTT'], [1, 'T_NGUONKHAC']] }, { vi: 'T_BNTT + T_BNCCT + T_BHTT + T_NGUONKHAC (người bệnh, quỹ BHYT và nguồn khác)', en: 'T_BNTT + T_BNCCT + T_BHTT + T_NGUONKHAC (patient, fund and other payers)' });

// --- The record itself -------------------------------------------------------------------

add({
  id: 'RECORD.XML1_MISSING',
  severity: 'error',
  table: 'XML1',
  field: '*',
  check: { kind: 'xml1Present' },
  message: { vi: 'Hồ sơ không có bảng XML1 (TONG_HOP) đọc được: xuất lại hồ sơ từ HIS.', en: 'The record has no readable XML1 (TONG_HOP): export the record again from the HIS.' },
  source: 'XML130.md §2, §6',
});
add({
  id: 'RECORD.TABLE_UNREADABLE',
  severity: 'error',
  table: '*',
  field: '*',
  check: { kind: 'readable' },
  message: { vi: 'Không đọc được bảng này (NOIDUNGFILE không phải base64 của một tài liệu XML hợp lệ): xuất lại hồ sơ.', en: 'This table cannot be read (NOIDUNGFILE is not base64 of a well-formed XML document): export the record again.' },
  source: 'XML130.md §2',
});

// --- Placeholders and literal null (XML130.md §14) ----------------------------------------

add({
  id: 'ANY.PLACEHOLDER',
  severity: 'warning',
  table: '*',
  field: '*',
  check: { kind: 'placeholder' },
  message: { vi: 'Giá trị còn là mẫu để điền (dấu chấm "……"): ghi giá trị thật hoặc để trống.', en: 'The value is an unfilled form placeholder (dots "……"): write the real value or leave it empty.' },
  source: 'XML130.md §14; issue of referral papers filled from a template',
});
add({
  id: 'ANY.NULL_LITERAL',
  severity: 'warning',
  table: '*',
  field: '*',
  check: { kind: 'sentinel' },
  message: { vi: 'Phần tử ghi chữ "null"/"undefined" thay cho giá trị: để trống hoặc ghi giá trị thật (lỗi xuất dữ liệu của HIS).', en: 'The element holds the word "null"/"undefined" instead of a value: leave it empty or write the value (an HIS export bug).' },
  source: 'XML130.md §14',
});

// --- Birth date and age (XML130.md §4 NGAY_SINH) ------------------------------------------

add({
  id: 'XML1.NGAY_SINH.FORMAT',
  severity: 'error',
  table: 'XML1',
  field: 'NGAY_SINH',
  check: { kind: 'format', valid: (v) => /^\d{12}$/.test(v) && birthDate(v).ok },
  message: { vi: 'NGAY_SINH phải là yyyyMMddHHmm (12 chữ số; 0000 cho phần chưa biết): sửa ngày sinh.', en: 'NGAY_SINH must be yyyyMMddHHmm (12 digits; 0000 for unknown parts): correct the birth date.' },
  source: 'XML130.md §4',
});
add({
  id: 'XML1.NGAY_SINH.AFTER_ADMISSION',
  severity: 'error',
  table: 'XML1',
  field: 'NGAY_SINH',
  check: { kind: 'birth', test: 'afterAdmission' },
  message: { vi: 'NGAY_SINH sau ngày vào viện: sửa ngày sinh.', en: 'NGAY_SINH is after the admission: correct the birth date.' },
  source: 'XML130.md §4',
});
add({
  id: 'XML1.NGAY_SINH.AGE_IMPLAUSIBLE',
  severity: 'error',
  table: 'XML1',
  field: 'NGAY_SINH',
  check: { kind: 'birth', test: 'age' },
  message: { vi: 'Tuổi khi vào viện trên 120: kiểm tra năm sinh.', en: 'The age at admission is over 120: check the year of birth.' },
  source: 'XML130.md §4',
});
add({
  id: 'XML1.NGAY_SINH.NEWBORN_WITHOUT_TIME',
  severity: 'error',
  table: 'XML1',
  field: 'NGAY_SINH',
  check: { kind: 'birth', test: 'newbornTime' },
  message: { vi: 'Trẻ từ 28 ngày tuổi trở xuống phải ghi giờ và phút sinh trong NGAY_SINH (không để 0000).', en: 'For a newborn of 28 days or less, NGAY_SINH must give the hour and minute of birth (not 0000).' },
  source: 'XML130.md §4',
});

/** Every rule, by id. Ids are stable: stored findings refer to them. */
export const RULES: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
if (RULES.size !== rules.length) throw new Error('claim check rule ids must be unique');
