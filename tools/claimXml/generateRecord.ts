// The content of one generated claim record (generate.ts writes the envelopes): realistic,
// invented values whose totals add up to the xu. Record i of a seed is always the same.
import { xmlElements, type InnerDocuments } from '../../connectors/formats/xml130/envelope/storedForm.js';
import { seededRandom } from '../../main/util/seededRandom.js';
import {
  CARD_GROUPS,
  DEPARTMENTS,
  DIAGNOSES,
  DRUGS,
  FAMILY_NAMES,
  FEMALE_GIVEN,
  FEMALE_MIDDLE,
  IMAGING_REPORTS,
  LAB_ITEMS,
  MALE_GIVEN,
  MALE_MIDDLE,
  PLACES,
  SERVICES,
  STREETS,
} from './generatorData.js';

/** Tables the generator can write; XML5, XML7 and XML8 only for inpatient records. */
export const GENERATED_TABLES = ['XML1', 'XML2', 'XML3', 'XML4', 'XML5', 'XML7', 'XML8', 'XML14'] as const;

export interface GenerateOptions {
  /** Number of HOSO (records) to write. */
  records: number;
  seed: number;
  /** Index of the first record (default 0): record i is the same in every batch. */
  firstRecord?: number;
  /** Tables to include (XML1 is always written); default: all of GENERATED_TABLES. */
  tables?: readonly string[];
  /** MA_CSKCB of the facility (default 94170). */
  facilityCode?: string;
  /** Drug + service lines per record; default 3–12, chosen per record. */
  lines?: number;
}

const prng = seededRandom;

function hashSeed(seed: number, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

class Dice {
  constructor(private readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(0, list.length - 1)]!;
  }
  fraction(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Minutes since 2026-01-01 00:00 local → yyyyMMddHHmm. */
function stamp(minutes: number): string {
  const d = new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/** Money in xu (1/100 VND) → the claim format with 2 decimals. */
const money = (xu: number) => `${xu < 0 ? '-' : ''}${Math.floor(Math.abs(xu) / 100)}.${pad(Math.abs(xu) % 100)}`;

interface Line {
  fields: Record<string, string | undefined>;
  bv: number;
  bh: number;
  bhtt: number;
  bncct: number;
  drug: boolean;
  supply: boolean;
}

function priced(quantity: number, priceBv: number, priceBh: number, mucHuong: number): Pick<Line, 'bv' | 'bh' | 'bhtt' | 'bncct'> {
  const bv = quantity * priceBv * 100;
  const bh = quantity * priceBh * 100;
  const bhtt = Math.round((bh * mucHuong) / 100);
  return { bv, bh, bhtt, bncct: bh - bhtt };
}

function costFields(l: Pick<Line, 'bv' | 'bh' | 'bhtt' | 'bncct'>, mucHuong: number) {
  return {
    THANH_TIEN_BV: money(l.bv),
    THANH_TIEN_BH: money(l.bh),
    T_NGUONKHAC_NSNN: '0.00',
    T_NGUONKHAC_VTNN: '0.00',
    T_NGUONKHAC_VTTN: '0.00',
    T_NGUONKHAC_CL: '0.00',
    T_NGUONKHAC: '0.00',
    MUC_HUONG: String(mucHuong),
    T_BNTT: money(l.bv - l.bh),
    T_BNCCT: money(l.bncct),
    T_BHTT: money(l.bhtt),
  };
}

/** The inner documents of record `index` of `seed`. */
export function generateRecordDocuments(seed: number, index: number, opts: Omit<GenerateOptions, 'records' | 'seed' | 'firstRecord'> = {}): InnerDocuments {
  const dice = new Dice(prng(hashSeed(seed, index)));
  const tables = new Set(opts.tables ?? GENERATED_TABLES);
  for (const t of tables) {
    if (!(GENERATED_TABLES as readonly string[]).includes(t)) throw new RangeError(`cannot generate table ${t}; known: ${GENERATED_TABLES.join(', ')}`);
  }
  const facility = opts.facilityCode ?? '94170';
  const inpatient = dice.chance(0.3);
  const maLoaiKcb = inpatient ? '03' : '01';
  const maLk = `${inpatient ? 'IP' : 'OP'}${pad(seed % 100)}${pad(index, 8)}`;
  const female = dice.chance(0.55);
  const name = `${dice.pick(FAMILY_NAMES)} ${dice.pick(female ? FEMALE_MIDDLE : MALE_MIDDLE)} ${dice.pick(female ? FEMALE_GIVEN : MALE_GIVEN)}`;
  const year = dice.int(1940, 2022);
  const place = dice.pick(PLACES);
  const cccd = `0${place.province}${(year >= 2000 ? 2 : 0) + (female ? 1 : 0)}${String(year).slice(2)}${dice.digits(6)}`;
  const card = `${dice.pick(CARD_GROUPS)}${dice.int(1, 5)}${place.province}${dice.digits(10)}`;
  const mucHuong = dice.pick([80, 80, 95, 100]);
  const arrival = dice.int(0, 85) * 1440 + dice.int(7 * 60, 16 * 60);
  const discharge = inpatient ? arrival + dice.int(2, 7) * 1440 + dice.int(-120, 120) : arrival + dice.int(30, 240);
  const dept = dice.pick(DEPARTMENTS);
  const main = dice.pick(DIAGNOSES);
  const others = [...new Set([dice.pick(DIAGNOSES), dice.pick(DIAGNOSES)].filter((d) => d[0] !== main[0]))];

  const nLines = opts.lines ?? dice.int(3, 12);
  const lines: Line[] = [];
  const results: Record<string, string | undefined>[] = [];
  for (let i = 0; i < nLines; i++) {
    const yl = arrival + dice.int(5, Math.max(6, discharge - arrival - 5));
    // Given, performed and read within the stay, as the pre-submission checks require (docs/claim-checks.md).
    const within = (t: number) => Math.min(t, discharge);
    if (tables.has('XML2') && (i % 2 === 0 || !tables.has('XML3'))) {
      const [maThuoc, ten, hamLuong, dvt, duong, price] = dice.pick(DRUGS);
      const qty = dice.int(1, 30);
      const costs = priced(qty, price, price, mucHuong);
      lines.push({
        drug: true,
        supply: false,
        ...costs,
        fields: {
          MA_LK: maLk, STT: '', MA_THUOC: maThuoc, MA_PP_CHEBIEN: '', MA_CSKCB_THUOC: '', MA_NHOM: '4', TEN_THUOC: ten, DON_VI_TINH: dvt,
          HAM_LUONG: hamLuong, DUONG_DUNG: duong, DANG_BAO_CHE: '', LIEU_DUNG: `1 ${dvt}/lần * 2 lần/ngày * ${Math.ceil(qty / 2)} ngày`,
          CACH_DUNG: 'Uống sau ăn', SO_DANG_KY: `VD-${dice.digits(5)}-${dice.int(18, 25)}`, TT_THAU: `${dice.int(10, 999)}/QĐ-SYT;G1;N${dice.int(1, 5)};2025`,
          PHAM_VI: '1', TYLE_TT_BH: '100', SO_LUONG: `${qty}.000`, DON_GIA: `${price}.000`, ...costFields(costs, mucHuong),
          MA_KHOA: dept, MA_BAC_SI: `${dice.digits(6)}/CT-GPHN`, MA_DICH_VU: '', NGAY_YL: stamp(yl), NGAY_TH_YL: stamp(within(yl + 20)), MA_PTTT: '1', NGUON_CTRA: '1', VET_THUONG_TP: '', DU_PHONG: '',
        },
      });
    } else if (tables.has('XML3')) {
      const [maDv, ten, nhom, priceBv, priceBh, kind] = dice.pick(SERVICES);
      const costs = priced(1, priceBv, priceBh, mucHuong);
      const kq = kind === 'none' ? undefined : within(yl + dice.int(20, 120));
      lines.push({
        drug: false,
        supply: false,
        ...costs,
        fields: {
          MA_LK: maLk, STT: '', MA_DICH_VU: maDv, MA_PTTT_QT: '', MA_VAT_TU: '', MA_NHOM: nhom, GOI_VTYT: '', TEN_VAT_TU: '', TEN_DICH_VU: ten,
          MA_XANG_DAU: '', DON_VI_TINH: 'Lần', PHAM_VI: '1', SO_LUONG: '1', DON_GIA_BV: `${priceBv}.00`, DON_GIA_BH: `${priceBh}.00`, TT_THAU: '',
          TYLE_TT_DV: '100', TYLE_TT_BH: '100', ...costFields(costs, mucHuong), T_TRANTT: '', MA_KHOA: dept, MA_GIUONG: '',
          MA_BAC_SI: `${dice.digits(6)}/CT-GPHN`, NGUOI_THUC_HIEN: `${dice.digits(6)}/CT-CCHN`, MA_BENH: '', MA_BENH_YHCT: '', NGAY_YL: stamp(yl),
          NGAY_TH_YL: stamp(within(yl + 10)), NGAY_KQ: kq === undefined ? '' : stamp(kq), MA_PTTT: '1', VET_THUONG_TP: '', PP_VO_CAM: '', VI_TRI_TH_DVKT: '', MA_MAY: '', MA_HIEU_SP: '', TAI_SU_DUNG: '', DU_PHONG: '',
        },
      });
      if (tables.has('XML4') && kind !== 'none' && kq !== undefined) {
        const labs = LAB_ITEMS[kind];
        const imaging = IMAGING_REPORTS[kind];
        const base = { MA_LK: maLk, STT: '', MA_DICH_VU: maDv, NGAY_KQ: stamp(kq), MA_BS_DOC_KQ: `${dice.digits(6)}/CT-CCHN`, DU_PHONG: '' };
        if (labs) {
          for (const [code, label, unit, lo, hi, dp] of labs) {
            const value = (lo + dice.fraction() * (hi - lo)).toFixed(dp);
            results.push({ ...base, MA_CHI_SO: code, TEN_CHI_SO: label, GIA_TRI: value, DON_VI_DO: unit, MO_TA: '', KET_LUAN: '' });
          }
        } else if (imaging) {
          results.push({ ...base, MA_CHI_SO: '', TEN_CHI_SO: '', GIA_TRI: '', DON_VI_DO: '', MO_TA: imaging[0], KET_LUAN: imaging[1] });
        }
      }
    }
  }
  let stt = 0;
  for (const l of lines.filter((x) => x.drug)) l.fields.STT = String(++stt);
  stt = 0;
  for (const l of lines.filter((x) => !x.drug)) l.fields.STT = String(++stt);
  results.forEach((r, i) => (r.STT = String(i + 1)));
  const sum = (pick: (l: Line) => number, which: (l: Line) => boolean = () => true) => lines.filter(which).reduce((a, l) => a + pick(l), 0);

  const ngayVao = stamp(arrival);
  const ngayRa = stamp(discharge);
  const revisit = tables.has('XML14') && dice.chance(0.5) ? stamp(discharge + dice.int(7, 28) * 1440).slice(0, 8) : undefined;
  const diagnosisText = [main, ...others].map(([c, t]) => `(${c}) ${t}`).join('; ');
  const xml1 = {
    MA_LK: maLk, STT: '1', MA_BN: `BN${pad(seed % 1000, 3)}${pad(index, 7)}`, HO_TEN: name, SO_CCCD: cccd, NGAY_SINH: `${year}${pad(dice.int(1, 12))}${pad(dice.int(1, 28))}0000`,
    GIOI_TINH: female ? '2' : '1', NHOM_MAU: dice.chance(0.2) ? dice.pick(['A', 'B', 'AB', 'O']) : '', MA_QUOCTICH: '000', MA_DANTOC: '01', MA_NGHE_NGHIEP: '00000',
    DIA_CHI: `Số ${dice.int(1, 300)} đường ${dice.pick(STREETS)}, ${place.text}`, MATINH_CU_TRU: place.province, MAHUYEN_CU_TRU: '', MAXA_CU_TRU: place.ward,
    DIEN_THOAI: `0${dice.pick(['3', '7', '8', '9'])}${dice.digits(8)}`, MA_THE_BHYT: card, MA_DKBD: `${place.province}${dice.digits(3)}`,
    GT_THE_TU: '20260101', GT_THE_DEN: '20261231', NGAY_MIEN_CCT: '', LY_DO_VV: main[1], LY_DO_VNT: inpatient ? main[1] : '', MA_LY_DO_VNT: '',
    CHAN_DOAN_VAO: diagnosisText, CHAN_DOAN_RV: diagnosisText, MA_BENH_CHINH: main[0], MA_BENH_KT: others.map((d) => d[0]).join(';'), MA_BENH_YHCT: '', MA_PTTT_QT: '',
    MA_DOITUONG_KCB: dice.pick(['1.1', '1.12', '1.2', '3.3']), MA_NOI_DI: '', MA_NOI_DEN: '', MA_TAI_NAN: '', NGAY_VAO: ngayVao,
    NGAY_VAO_NOI_TRU: inpatient ? stamp(arrival + 60) : '', NGAY_RA: ngayRa, GIAY_CHUYEN_TUYEN: '',
    SO_NGAY_DTRI: inpatient ? String(Math.floor((discharge - arrival) / 1440) + 1) : '0', PP_DIEU_TRI: inpatient ? 'Nội khoa' : '', KET_QUA_DTRI: dice.pick(['1', '2', '2', '3']),
    MA_LOAI_RV: '1', GHI_CHU: '', NGAY_TTOAN: stamp(discharge + 15),
    T_THUOC: money(sum((l) => l.bv, (l) => l.drug)), T_VTYT: money(sum((l) => l.bv, (l) => l.supply)), T_TONGCHI_BV: money(sum((l) => l.bv)), T_TONGCHI_BH: money(sum((l) => l.bh)),
    T_BNTT: money(sum((l) => l.bv - l.bh)), T_BNCCT: money(sum((l) => l.bncct)), T_BHTT: money(sum((l) => l.bhtt)), T_NGUONKHAC: '0.00', T_BHTT_GDV: '0.00',
    NAM_QT: ngayRa.slice(0, 4), THANG_QT: ngayRa.slice(4, 6), MA_LOAI_KCB: maLoaiKcb, MA_KHOA: dept, MA_CSKCB: facility, MA_KHUVUC: '',
    CAN_NANG: `${dice.int(40, 85)}.${pad(dice.int(0, 99))}`, CAN_NANG_CON: '', NAM_NAM_LIEN_TUC: '', NGAY_TAI_KHAM: revisit ?? '', MA_HSBA: `${pad(index, 8)}`, MA_TTDV: '', DU_PHONG: '',
  };
  const docs: [string, string][] = [['XML1', `<TONG_HOP>${xmlElements(xml1)}</TONG_HOP>`]];
  const drugs = lines.filter((l) => l.drug);
  const services = lines.filter((l) => !l.drug);
  if (drugs.length) {
    docs.push(['XML2', `<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>${drugs.map((l) => `<CHI_TIET_THUOC>${xmlElements(l.fields)}</CHI_TIET_THUOC>`).join('')}</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>`]);
  }
  if (services.length) {
    docs.push(['XML3', `<CHITIEU_CHITIET_DVKT_VTYT><DSACH_CHI_TIET_DVKT>${services.map((l) => `<CHI_TIET_DVKT>${xmlElements(l.fields)}</CHI_TIET_DVKT>`).join('')}</DSACH_CHI_TIET_DVKT></CHITIEU_CHITIET_DVKT_VTYT>`]);
  }
  if (results.length) {
    docs.push(['XML4', `<CHITIEU_CHITIET_DICHVUCANLAMSANG><DSACH_CHI_TIET_CLS>${results.map((r) => `<CHI_TIET_CLS>${xmlElements(r)}</CHI_TIET_CLS>`).join('')}</DSACH_CHI_TIET_CLS></CHITIEU_CHITIET_DICHVUCANLAMSANG>`]);
  }
  if (inpatient && tables.has('XML5')) {
    const notes = Array.from({ length: Math.max(1, Math.floor((discharge - arrival) / 1440)) }, (_, d) => ({
      MA_LK: maLk, STT: String(d + 1), DIEN_BIEN_LS: d === 0 ? `${main[1]}. Tỉnh, tiếp xúc tốt. M: ${dice.int(60, 100)} l/p, T: 37°C, HA: ${dice.int(100, 150)}/${dice.int(60, 95)} mmHg` : 'Tỉnh, ăn uống được, không sốt',
      GIAI_DOAN_BENH: '', HOI_CHAN: '', PHAU_THUAT: '', THOI_DIEM_DBLS: stamp(arrival + 90 + d * 1440), NGUOI_THUC_HIEN: `${dice.digits(6)}/CT-GPHN`, DU_PHONG: '',
    }));
    docs.push(['XML5', `<CHITIEU_CHITIET_DIENBIENLAMSANG><DSACH_CHI_TIET_DIEN_BIEN_BENH>${notes.map((n) => `<CHI_TIET_DIEN_BIEN_BENH>${xmlElements(n)}</CHI_TIET_DIEN_BIEN_BENH>`).join('')}</DSACH_CHI_TIET_DIEN_BIEN_BENH></CHITIEU_CHITIET_DIENBIENLAMSANG>`]);
  }
  if (inpatient && tables.has('XML7')) {
    docs.push(['XML7', `<CHI_TIEU_DU_LIEU_GIAY_RA_VIEN>${xmlElements({
      MA_LK: maLk, SO_LUU_TRU: `${dice.digits(6)}/${dice.int(10, 99)}`, MA_YTE: xml1.MA_BN, MA_KHOA_RV: dept, NGAY_VAO: xml1.NGAY_VAO_NOI_TRU, NGAY_RA: ngayRa,
      MA_DINH_CHI_THAI: '0', CHAN_DOAN_RV: diagnosisText, PP_DIEUTRI: 'Nội khoa', GHI_CHU: 'Tái khám khi có dấu hiệu bất thường', MA_TTDV: `${dice.digits(6)}/CT-CCHN`,
      MA_BS: `${dice.digits(6)}/CT-GPHN`, TEN_BS: `${dice.pick(FAMILY_NAMES)} ${dice.pick(MALE_MIDDLE)} ${dice.pick(MALE_GIVEN)}`, NGAY_CT: ngayRa.slice(0, 8), SO_NGAY_NGHI: '0', DU_PHONG: '',
    })}</CHI_TIEU_DU_LIEU_GIAY_RA_VIEN>`]);
  }
  if (inpatient && tables.has('XML8')) {
    docs.push(['XML8', `<CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN>${xmlElements({
      MA_LK: maLk, MA_LOAI_KCB: maLoaiKcb, NGAY_VAO: xml1.NGAY_VAO_NOI_TRU, NGAY_RA: ngayRa, CHAN_DOAN_VAO: diagnosisText, CHAN_DOAN_RV: diagnosisText,
      QT_BENHLY: `${main[1]}, nhập viện điều trị`, TOMTAT_KQ: 'Các xét nghiệm trong giới hạn bình thường', PP_DIEUTRI: 'Nội khoa', KET_QUA_DTRI: xml1.KET_QUA_DTRI,
      MA_TTDV: `${dice.digits(6)}/CT-CCHN`, NGAY_CT: ngayRa.slice(0, 8), DU_PHONG: '',
    })}</CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN>`]);
  }
  if (revisit) {
    docs.push(['XML14', `<CHI_TIEU_GIAYHEN_KHAMLAI>${xmlElements({
      MA_LK: maLk, SO_GIAYHEN_KL: dice.digits(7), MA_CSKCB: facility, HO_TEN: name, NGAY_SINH: xml1.NGAY_SINH, GIOI_TINH: xml1.GIOI_TINH, DIA_CHI: xml1.DIA_CHI,
      MA_THE_BHYT: card, GT_THE_DEN: xml1.GT_THE_DEN, NGAY_VAO: ngayVao, NGAY_VAO_NOI_TRU: xml1.NGAY_VAO_NOI_TRU, NGAY_RA: ngayRa, NGAY_HEN_KL: revisit,
      CHAN_DOAN_RV: diagnosisText, MA_BENH_CHINH: main[0], MA_BENH_KT: xml1.MA_BENH_KT, MA_BENH_YHCT: '', MA_DOITUONG_KCB: xml1.MA_DOITUONG_KCB,
      MA_BAC_SI: `${dice.digits(6)}/CT-GPHN`, NGAY_CT: ngayRa.slice(0, 8), DU_PHONG: '',
    })}</CHI_TIEU_GIAYHEN_KHAMLAI>`]);
  }
  return docs;
}

