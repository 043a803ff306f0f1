// Test support for the claim checks: a hand-built record that breaks no rule (every amount
// worked out by hand below), and a way to plant one mistake into a copy of a claim file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileHoso, xmlElements } from '../../connectors/formats/xml130/envelope/storedForm.js';
import type { FileHoso } from '../../connectors/formats/xml130/envelope/envelope.js';

export type Fields = Record<string, string | undefined>;

export interface CleanRecord {
  XML1: Fields;
  XML2: Fields[];
  XML3: Fields[];
  XML4: Fields[];
  XML5: Fields[];
  XML13?: Fields;
}

const zeroOther = { T_NGUONKHAC_NSNN: '0', T_NGUONKHAC_VTNN: '0', T_NGUONKHAC_VTTN: '0', T_NGUONKHAC_CL: '0', T_NGUONKHAC: '0' };

/**
 * Drugs 10 × 1 500 = 15 000 and 2 × 25 000 = 50 000 (T_THUOC 65 000); a service 30 000 and a
 * supply 5 × 2 000 = 10 000 (T_VTYT 10 000); totals 105 000, of which the patient co-pays 20 %
 * (21 000) and the fund pays 84 000. Stay 1–5 March 2026, card valid all year.
 */
export function cleanRecord(): CleanRecord {
  return {
    XML1: {
      MA_LK: 'LK0001', STT: '1', MA_BN: 'BN0001', HO_TEN: 'NGUYEN VAN A', SO_CCCD: '079090001234', NGAY_SINH: '198005100000', GIOI_TINH: '1',
      DIA_CHI: 'So 1 Duong Mau', MATINH_CU_TRU: '92', MAXA_CU_TRU: '31654', DIEN_THOAI: '0900000000',
      MA_THE_BHYT: 'GD4921544909210', MA_DKBD: '94009', GT_THE_TU: '20260101', GT_THE_DEN: '20261231',
      MA_BENH_CHINH: 'J18.9', MA_BENH_KT: 'I10;K21.0', MA_DOITUONG_KCB: '1.1', GIAY_CHUYEN_TUYEN: '',
      NGAY_VAO: '202603010800', NGAY_VAO_NOI_TRU: '202603010900', NGAY_RA: '202603051000', NGAY_TTOAN: '202603051030',
      SO_NGAY_DTRI: '5', KET_QUA_DTRI: '2', MA_LOAI_RV: '1',
      T_THUOC: '65000.00', T_VTYT: '10000.00', T_TONGCHI_BV: '105000.00', T_TONGCHI_BH: '105000.00', T_BNTT: '0.00', T_BNCCT: '21000.00', T_BHTT: '84000.00', T_NGUONKHAC: '0',
      NAM_QT: '2026', THANG_QT: '03', MA_LOAI_KCB: '03', MA_KHOA: 'K01', MA_CSKCB: '94170',
    },
    XML2: [
      { MA_LK: 'LK0001', STT: '1', MA_THUOC: '40.1032', TEN_THUOC: 'Paracetamol', DON_VI_TINH: 'Viên', SO_LUONG: '10.000', DON_GIA: '1500.000', TYLE_TT_BH: '100', THANH_TIEN_BV: '15000.00', THANH_TIEN_BH: '15000.00', ...zeroOther, MUC_HUONG: '80', T_BNTT: '0', T_BNCCT: '3000.00', T_BHTT: '12000.00', MA_KHOA: 'K01', NGAY_YL: '202603010930', NGAY_TH_YL: '202603011000' },
      { MA_LK: 'LK0001', STT: '2', MA_THUOC: '40.54', TEN_THUOC: 'Ceftriaxon', DON_VI_TINH: 'Lọ', SO_LUONG: '2', DON_GIA: '25000', TYLE_TT_BH: '100', THANH_TIEN_BV: '50000.00', THANH_TIEN_BH: '50000.00', ...zeroOther, MUC_HUONG: '80', T_BNTT: '0', T_BNCCT: '10000.00', T_BHTT: '40000.00', MA_KHOA: 'K01', NGAY_YL: '202603011200', NGAY_TH_YL: '202603011230' },
    ],
    XML3: [
      { MA_LK: 'LK0001', STT: '1', MA_DICH_VU: '23.0058.1487', MA_NHOM: '1', TEN_DICH_VU: 'Định lượng Glucose', SO_LUONG: '1', DON_GIA_BV: '30000', DON_GIA_BH: '30000', TYLE_TT_DV: '100', TYLE_TT_BH: '100', THANH_TIEN_BV: '30000.00', THANH_TIEN_BH: '30000.00', ...zeroOther, MUC_HUONG: '80', T_BNTT: '0', T_BNCCT: '6000.00', T_BHTT: '24000.00', MA_BENH: 'J18.9;I10', NGAY_YL: '202603011000', NGAY_TH_YL: '202603011010', NGAY_KQ: '202603011100' },
      { MA_LK: 'LK0001', STT: '2', MA_VAT_TU: 'N03.05.070', MA_NHOM: '10', TEN_VAT_TU: 'Bơm tiêm', SO_LUONG: '5', DON_GIA_BV: '2000', DON_GIA_BH: '2000', TYLE_TT_BH: '100', THANH_TIEN_BV: '10000.00', THANH_TIEN_BH: '10000.00', ...zeroOther, MUC_HUONG: '80', T_BNTT: '0', T_BNCCT: '2000.00', T_BHTT: '8000.00', NGAY_YL: '202603020800' },
    ],
    XML4: [
      { MA_LK: 'LK0001', STT: '1', MA_DICH_VU: '23.0058.1487', MA_CHI_SO: 'GLU', TEN_CHI_SO: 'Glucose', GIA_TRI: '5.2', DON_VI_DO: 'mmol/L', NGAY_KQ: '202603011100' },
      { MA_LK: 'LK0001', STT: '2', MA_DICH_VU: '23.0058.1487', TEN_CHI_SO: 'Ghi chú', GIA_TRI: 'Bình thường', NGAY_KQ: '202603011100' },
    ],
    XML5: [{ MA_LK: 'LK0001', STT: '1', DIEN_BIEN_LS: 'M 80 l/p, T 37 độ. Ổn định...', THOI_DIEM_DBLS: '202603021000', NGUOI_THUC_HIEN: '000286/LA-GPHN' }],
  };
}

/** A referral paper that breaks no rule by itself (send it with MA_LOAI_RV 2 or 5). */
export function cleanReferral(): Fields {
  return { MA_LK: 'LK0001', SO_HOSO: 'HS01', SO_CHUYENTUYEN: '12/2026', GIAY_CHUYEN_TUYEN: '12/2026/CT', MA_CSKCB: '94170', MA_NOI_DI: '94170', MA_NOI_DEN: '92001', MA_BENH_CHINH: 'J18.9', MA_LOAI_RV: '2', MA_LYDO_CT: '1' };
}

const LISTS: Record<string, [root: string, list: string, row: string]> = {
  XML2: ['CHITIEU_CHITIET_THUOC', 'DSACH_CHI_TIET_THUOC', 'CHI_TIET_THUOC'],
  XML3: ['CHITIEU_CHITIET_DVKT_VTYT', 'DSACH_CHI_TIET_DVKT', 'CHI_TIET_DVKT'],
  XML4: ['CHITIEU_CHITIET_DICHVUCANLAMSANG', 'DSACH_CHI_TIET_CLS', 'CHI_TIET_CLS'],
  XML5: ['CHITIEU_CHITIET_DIENBIENLAMSANG', 'DSACH_CHI_TIET_DIEN_BIEN_BENH', 'CHI_TIET_DIEN_BIEN_BENH'],
};

export function recordFiles(r: CleanRecord): FileHoso[] {
  const files: FileHoso[] = [fileHoso('XML1', `<TONG_HOP>${xmlElements(r.XML1)}</TONG_HOP>`)];
  for (const t of ['XML2', 'XML3', 'XML4', 'XML5'] as const) {
    const [root, list, row] = LISTS[t]!;
    files.push(fileHoso(t, `<${root}><${list}>${r[t].map((f) => `<${row}>${xmlElements(f)}</${row}>`).join('')}</${list}></${root}>`));
  }
  if (r.XML13) files.push(fileHoso('XML13', `<GIAYCHUYENTUYEN>${xmlElements(r.XML13)}</GIAYCHUYENTUYEN>`));
  return files;
}

// ---------------------------------------------------------------------------------------
// The shared public samples, read where they live (never copied into the project).

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLES = join(REPO, '../shared/samples/xml130');

export function sampleFile(name: string): string {
  const path = join(SAMPLES, name);
  if (!existsSync(path)) throw new Error(`the public claim-XML samples are missing: expected ${path} (../shared beside the repository)`);
  return path;
}

/** The inner XML of each FILEHOSO of a one-record envelope, decoded by plain text search (independent of the reader under test). */
export function innerTables(envelope: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of envelope.matchAll(/<LOAIHOSO>\s*([^<]+?)\s*<\/LOAIHOSO>\s*<NOIDUNGFILE>\s*([^<]*?)\s*<\/NOIDUNGFILE>/g)) {
    out.set(m[1]!.toUpperCase(), Buffer.from(m[2]!, 'base64').toString('utf8'));
  }
  return out;
}

/** The text of every `<field>` in row order: one entry per row element `rowTag` (empty string when empty). */
export function columnOf(innerXml: string, rowTag: string, field: string): string[] {
  const rows = [...innerXml.matchAll(new RegExp(`<${rowTag}(?:\\s[^>]*)?>([\\s\\S]*?)</${rowTag}>`, 'g'))].map((m) => m[1]!);
  return rows.map((row) => {
    const m = new RegExp(`<${field}>(?:<!\\[CDATA\\[)?([\\s\\S]*?)(?:\\]\\]>)?</${field}>`).exec(row);
    return m ? m[1]!.trim() : '';
  });
}

/**
 * A copy of a one-record claim file with `field` of the `row`-th row (1-based; 1 for XML1 and
 * the papers) of `table` set to `value`. The element must be written in the file (empty or not).
 */
export function plant(envelope: string, table: string, row: number, field: string, value: string): string {
  const re = new RegExp(`(<LOAIHOSO>\\s*${table}\\s*</LOAIHOSO>\\s*<NOIDUNGFILE>\\s*)([^<]*?)(\\s*</NOIDUNGFILE>)`);
  const m = re.exec(envelope);
  if (!m) throw new Error(`no ${table} in the file`);
  const inner = Buffer.from(m[2]!, 'base64').toString('utf8');
  let seen = 0;
  let done = false;
  const changed = inner.replace(new RegExp(`<${field}>[\\s\\S]*?</${field}>|<${field}\\s*/>`, 'g'), (hit) => {
    seen++;
    if (seen !== row) return hit;
    done = true;
    return `<${field}>${value}</${field}>`;
  });
  if (!done) throw new Error(`${table} has no ${field} in row ${row}`);
  return envelope.replace(re, `$1${Buffer.from(changed, 'utf8').toString('base64')}$3`);
}

export function readSample(name: string): string {
  return readFileSync(sampleFile(name), 'utf8');
}
