// Builds small claim-XML envelopes for tests: XML1 only, with the fields the intake and the
// first conversion slice read. Realistic bulk data comes from the record generator instead.

export interface TinyClaim {
  maLk: string;
  maBn?: string;
  hoTen?: string;
  maCskcb?: string;
  soCccd?: string;
  maTheBhyt?: string;
  /** Replace XML1's NOIDUNGFILE with this text (to make it bad base64). */
  rawXml1Base64?: string;
}

export function xml1Of(c: TinyClaim): string {
  return (
    `<TONG_HOP><MA_LK>${c.maLk}</MA_LK><STT>1</STT><MA_BN>${c.maBn ?? `BN${c.maLk}`}</MA_BN><HO_TEN>${c.hoTen ?? 'NGUYỄN VĂN AN'}</HO_TEN>` +
    `<SO_CCCD>${c.soCccd ?? '079090001234'}</SO_CCCD><NGAY_SINH>199001150000</NGAY_SINH><GIOI_TINH>1</GIOI_TINH><MA_QUOCTICH>000</MA_QUOCTICH><MA_DANTOC>01</MA_DANTOC>` +
    `<DIA_CHI>Số 1 Đường Mẫu</DIA_CHI><MATINH_CU_TRU>92</MATINH_CU_TRU><MAXA_CU_TRU>31654</MAXA_CU_TRU>` +
    `<MA_THE_BHYT>${c.maTheBhyt ?? 'HT4790123456789'}</MA_THE_BHYT><MA_DKBD>94132</MA_DKBD><GT_THE_TU>20260101</GT_THE_TU><GT_THE_DEN>20261231</GT_THE_DEN>` +
    `<MA_BENH_CHINH>J02.9</MA_BENH_CHINH><MA_BENH_KT>K30;R10</MA_BENH_KT><MA_DOITUONG_KCB>1.1</MA_DOITUONG_KCB>` +
    `<NGAY_VAO>202602231426</NGAY_VAO><NGAY_RA>202602231725</NGAY_RA><KET_QUA_DTRI>1</KET_QUA_DTRI><MA_LOAI_RV>1</MA_LOAI_RV>` +
    `<T_TONGCHI_BV>271800.00</T_TONGCHI_BV><NAM_QT>2026</NAM_QT><THANG_QT>02</THANG_QT><MA_LOAI_KCB>01</MA_LOAI_KCB><MA_KHOA>K01</MA_KHOA>` +
    `<MA_CSKCB>${c.maCskcb ?? '94170'}</MA_CSKCB></TONG_HOP>`
  );
}

export function hosoOf(c: TinyClaim): string {
  const b64 = c.rawXml1Base64 ?? Buffer.from(xml1Of(c), 'utf8').toString('base64');
  return `<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${b64}</NOIDUNGFILE></FILEHOSO></HOSO>`;
}

export function envelopeOf(claims: readonly TinyClaim[], maCskcb = '94170'): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<THONGTINDONVI><MACSKCB>${maCskcb}</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20260223</NGAYLAP>` +
    `<SOLUONGHOSO>${claims.length}</SOLUONGHOSO><DANHSACHHOSO>${claims.map(hosoOf).join('')}</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>`
  );
}

/** `count` claims with MA_LK `${prefix}0001`… */
export function manyClaims(count: number, prefix = 'LK'): TinyClaim[] {
  return Array.from({ length: count }, (_, i) => ({ maLk: `${prefix}${String(i + 1).padStart(4, '0')}` }));
}
