// Mapping tables as data (STYLE habit 7): field renames between eras and the display
// texts of the code lists (standards/XML130.md §11, §13; VNCORE.md §4).

/** 4210-era element name → 130/4750 name, per table (XML130.md §13). */
export const ERA_4210_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  XML1: {
    MA_THE: 'MA_THE_BHYT',
    MA_BENH: 'MA_BENH_CHINH',
    MA_BENHKHAC: 'MA_BENH_KT',
    TINH_TRANG_RV: 'MA_LOAI_RV',
    MIEN_CUNG_CT: 'NGAY_MIEN_CCT',
    MA_NOI_CHUYEN: 'MA_NOI_DI',
    TEN_BENH: 'CHAN_DOAN_RV',
  },
  XML2: { THANH_TIEN: 'THANH_TIEN_BV', TYLE_TT: 'TYLE_TT_BH', T_NGUON_KHAC: 'T_NGUONKHAC' },
  XML3: { DON_GIA: 'DON_GIA_BV', THANH_TIEN: 'THANH_TIEN_BV', TYLE_TT: 'TYLE_TT_BH', T_NGUON_KHAC: 'T_NGUONKHAC' },
  XML5: { DIEN_BIEN: 'DIEN_BIEN_LS', NGAY_YL: 'THOI_DIEM_DBLS' },
};

/** Element names that exist only in 4210 XML1: their presence marks a record of that era. */
export const ERA_4210_MARKERS = ['MA_THE', 'MA_BENH', 'MA_BENHKHAC', 'TINH_TRANG_RV', 'MA_LYDO_VVIEN', 'T_TONGCHI', 'TEN_BENH'] as const;

/** MA_LOAI_KCB (vn-encounter-type-cs): QĐ 824/2023 App. 1, QĐ 1804/2026 additions. */
export const ENCOUNTER_TYPE_DISPLAY: Readonly<Record<string, string>> = {
  '01': 'Khám bệnh',
  '02': 'Điều trị ngoại trú',
  '03': 'Điều trị nội trú',
  '04': 'Điều trị nội trú ban ngày',
  '05': 'Điều trị ngoại trú các bệnh mạn tính dài ngày có khám bệnh và lĩnh thuốc',
  '06': 'Điều trị lưu tại trạm y tế tuyến xã, phòng khám đa khoa khu vực',
  '07': 'Nhận thuốc theo hẹn (không khám bệnh)',
  '08': 'Điều trị ngoại trú các bệnh mạn tính dài ngày có sử dụng dịch vụ kỹ thuật và/hoặc thuốc',
  '09': 'Điều trị nội trú dưới 04 giờ',
  '10': 'Các trường hợp khác',
  '11': 'Khám chữa bệnh lưu động',
  '12': 'Khám chữa bệnh tại nhà',
  '13': 'Y học gia đình',
  '14': 'Khám chữa bệnh từ xa',
  '15': 'Khám sức khỏe định kỳ',
  '16': 'Sàng lọc',
};

/** v3-ActCode display of the encounter classes used in the pack's MA_LOAI_KCB.class map. */
export const ENCOUNTER_CLASS_DISPLAY: Readonly<Record<string, string>> = {
  AMB: 'ambulatory',
  EMER: 'emergency',
  IMP: 'inpatient encounter',
  SS: 'short stay',
  FLD: 'field',
  HH: 'home health',
  VR: 'virtual',
};

/** KET_QUA_DTRI (vn-treatment-outcome-cs). */
export const TREATMENT_OUTCOME_DISPLAY: Readonly<Record<string, string>> = {
  '1': 'Khỏi',
  '2': 'Đỡ',
  '3': 'Không thay đổi',
  '4': 'Nặng hơn',
  '5': 'Tử vong',
  '6': 'Tiên lượng nặng xin về',
  '7': 'Chưa xác định',
  '8': 'Tử vong ngoại viện',
};

/** MA_LOAI_RV, 4210 TINH_TRANG_RV (vn-discharge-disposition-cs). */
export const DISCHARGE_DISPOSITION_DISPLAY: Readonly<Record<string, string>> = {
  '1': 'Ra viện',
  '2': 'Chuyển tuyến theo yêu cầu chuyên môn',
  '3': 'Trốn viện',
  '4': 'Xin ra viện',
  '5': 'Chuyển tuyến theo yêu cầu người bệnh',
};

/** 4210 MA_LYDO_VVIEN (vn-ext-insurance-visit-type). */
export const INSURANCE_VISIT_TYPE_DISPLAY: Readonly<Record<string, string>> = {
  '1': 'Đúng tuyến',
  '2': 'Cấp cứu',
  '3': 'Trái tuyến',
  '4': 'Thông tuyến',
  '5': 'KCB ban đầu',
};

/**
 * MA_DOITUONG_KCB of an emergency (cấp cứu, XML130.md §11: `2`; real files also write `02`),
 * and the VN Core visit type it is (vn-insurance-visit-type-cs `2`, VNCORE.md §3).
 */
export const EMERGENCY_PATIENT_CATEGORY = '2';
export const EMERGENCY_VISIT_TYPE = '2';

/** GIOI_TINH text for Patient.gender when the pack has no map. */
export const GENDER_FALLBACK = 'unknown' as const;

/** The payer of every BHYT card: Vietnam Social Security. */
export const BHYT_PAYER_DISPLAY = 'Bảo hiểm xã hội Việt Nam';

/** Cards start with a 2-letter beneficiary group (DN, HT, GD …) in the 15-character format. */
export const BHYT_LEGACY_CARD = /^[A-Z]{2}\d{13}$/;

/**
 * Money elements → sub-extension names of vn-ext-claim-cost-summary. totalMedication,
 * totalInsurance and totalPatientCopay are the IG's names (VNCORE.md §3); the others follow
 * the same pattern and are ours until the IG's full definition is read.
 */
export const COST_SUMMARY_PARTS: ReadonlyArray<readonly [element: string, subExtension: string]> = [
  ['T_THUOC', 'totalMedication'],
  ['T_VTYT', 'totalSupplies'],
  ['T_TONGCHI_BV', 'totalHospitalPrice'],
  ['T_TONGCHI_BH', 'totalInsuranceScope'],
  ['T_TONGCHI', 'totalCost'],
  ['T_BNTT', 'totalPatientPay'],
  ['T_BNCCT', 'totalPatientCopay'],
  ['T_BHTT', 'totalInsurance'],
  ['T_NGUONKHAC', 'totalOtherSources'],
  ['T_BHTT_GDV', 'totalInsuranceOutsideCapitation'],
  ['T_NGOAIDS', 'totalOutsideCapitation'],
];

/** Line amounts of XML2/XML3 → sub-extensions of the same cost summary on Claim.item. */
export const LINE_COST_PARTS: ReadonlyArray<readonly [element: string, subExtension: string]> = [
  ['THANH_TIEN_BH', 'totalInsuranceScope'],
  ['T_BNTT', 'totalPatientPay'],
  ['T_BNCCT', 'totalPatientCopay'],
  ['T_BHTT', 'totalInsurance'],
  ['T_NGUONKHAC_NSNN', 'otherSourceStateBudget'],
  ['T_NGUONKHAC_VTNN', 'otherSourceForeignAid'],
  ['T_NGUONKHAC_VTTN', 'otherSourceDomesticAid'],
  ['T_NGUONKHAC_CL', 'otherSourceOther'],
  ['T_NGUONKHAC', 'totalOtherSources'],
  ['T_TRANTT', 'supplyPackageCeiling'],
];

/** XML3 cost groups (MA_NHOM) billed only: consultation, bed-days and transport are not clinical acts of their own. */
export const XML3_BILLING_ONLY_GROUPS: ReadonlySet<string> = new Set(['12', '13', '14', '15', '16']);

/** MA_TAI_NAN `0` is written by exporters for "no accident". */
export const NO_ACCIDENT = '0';
