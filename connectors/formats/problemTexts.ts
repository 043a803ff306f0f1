// Why a file or a record could not be taken in, in Vietnamese for the records officer, with
// the next step (DESIGN §8: every fault visible with what to do). Keyed by the stable codes
// the readers and converters report; the English message beside them stays for IT staff.
export interface ProblemText {
  /** What is wrong, in plain Vietnamese. */
  reason: string;
  /** What to do about it. */
  action: string;
}

const EXPORT_AGAIN = 'Kiểm tra lại trên phần mềm HIS và xuất lại tệp vào thư mục nhận.';
const CALL_IT = 'Báo bộ phận CNTT hoặc đơn vị cung cấp HIS, kèm tên tệp và số hồ sơ.';

const TEXTS: Readonly<Record<string, ProblemText>> = {
  ENVELOPE_EMPTY: { reason: 'Tệp rỗng, không có nội dung.', action: EXPORT_AGAIN },
  ENVELOPE_NOT_XML: { reason: 'Tệp không phải XML.', action: 'Chỉ đặt tệp XML hồ sơ thanh toán (QĐ 130/4750) vào thư mục nhận. ' + EXPORT_AGAIN },
  ENVELOPE_WRONG_ROOT: { reason: 'Tệp XML không phải hồ sơ giám định (không có GIAMDINHHS).', action: 'Chỉ đặt tệp XML hồ sơ thanh toán vào thư mục nhận.' },
  ENVELOPE_TRUNCATED: { reason: 'Tệp bị cắt ngang: nội dung kết thúc trước khi XML đầy đủ (có thể HIS chưa ghi xong).', action: EXPORT_AGAIN },
  ENVELOPE_MALFORMED: { reason: 'Tệp XML sai cấu trúc.', action: EXPORT_AGAIN },
  ENVELOPE_ENCODING: { reason: 'Tệp không đúng bảng mã UTF-8 (dấu tiếng Việt bị lỗi).', action: 'Xuất lại tệp với bảng mã UTF-8.' },
  ENVELOPE_RECORD_TOO_LARGE: { reason: 'Một hồ sơ trong tệp lớn quá mức cho phép.', action: 'Kiểm tra hồ sơ đó trên HIS (tệp đính kèm quá lớn?); ' + CALL_IT },
  ENVELOPE_DOCTYPE: { reason: 'Tệp chứa khai báo DOCTYPE, không được phép trong hồ sơ XML.', action: CALL_IT },
  ENVELOPE_TOO_DEEP: { reason: 'Cấu trúc XML lồng nhau quá sâu, không phải hồ sơ hợp lệ.', action: CALL_IT },
  FILE_NOT_REGULAR: { reason: 'Mục trong thư mục nhận không phải tệp thường (liên kết tắt, đường ống hoặc socket), nên không được mở để đọc.', action: 'Sao chép chính tệp hồ sơ (không phải liên kết tắt) vào thư mục nhận; ' + CALL_IT },
  ENVELOPE_NO_RECORD: { reason: 'Tệp hồ sơ không chứa hồ sơ (HOSO) nào.', action: EXPORT_AGAIN },
  FILE_TOO_LARGE: { reason: 'Tệp lớn quá mức cho phép nên không được đọc.', action: 'Xuất thành nhiều tệp nhỏ hơn, hoặc nhờ CNTT tăng giới hạn maxFileBytes.' },
  HL7_FILE_TOO_LARGE: { reason: 'Tệp HL7 lớn quá mức cho phép nên không được đọc.', action: 'Xuất thành nhiều tệp nhỏ hơn.' },
  HL7_NO_MESSAGE: { reason: 'Tệp không chứa bản tin HL7v2 nào.', action: EXPORT_AGAIN },
  FORMAT_UNKNOWN: { reason: 'Không nhận ra định dạng tệp (không phải XML 130 hay HL7v2).', action: 'Chỉ đặt tệp XML hồ sơ hoặc HL7v2 vào thư mục nhận.' },
  RECORD_MALFORMED: { reason: 'Hồ sơ (HOSO) sai cấu trúc.', action: EXPORT_AGAIN },
  XML1_MISSING: { reason: 'Hồ sơ thiếu bảng tổng hợp XML1, nên không biết mã liên kết (MA_LK) và người bệnh.', action: 'Xuất lại hồ sơ này từ HIS với đủ bảng XML1; hồ sơ mới sẽ thay thế hồ sơ lỗi.' },
  BAD_BASE64: { reason: 'Nội dung một bảng của hồ sơ không đọc được (mã hoá base64 bị hỏng).', action: EXPORT_AGAIN },
  XML1_NOT_XML: { reason: 'Bảng tổng hợp XML1 của hồ sơ không phải XML.', action: EXPORT_AGAIN },
  XML1_REFUSED: { reason: 'Bảng XML1 chứa nội dung không được phép (DOCTYPE hoặc lồng quá sâu).', action: CALL_IT },
  XML1_EMPTY: { reason: 'Bảng tổng hợp XML1 của hồ sơ rỗng.', action: EXPORT_AGAIN },
  NOT_XML: { reason: 'Một bảng của hồ sơ không phải XML.', action: EXPORT_AGAIN },
  XML_REFUSED: { reason: 'Một bảng của hồ sơ chứa nội dung không được phép.', action: CALL_IT },
  MA_LK_MISSING: { reason: 'Hồ sơ không có mã liên kết (MA_LK).', action: 'Bổ sung MA_LK trên HIS và xuất lại hồ sơ.' },
  PROFILE_PACK_INCOMPLETE: { reason: 'Bộ hồ sơ chuẩn (profile pack) đang dùng thiếu định nghĩa cần thiết.', action: 'Báo bộ phận CNTT cập nhật bộ profile.' },
  FHIR_INVALID: { reason: 'Hồ sơ chuyển đổi ra không đạt chuẩn FHIR VN Core (thiếu hoặc sai trường bắt buộc).', action: 'Xem chi tiết lỗi bên dưới, sửa trường đó trên HIS và xuất lại hồ sơ.' },
  HL7V2_UNPARSABLE: { reason: 'Bản tin HL7v2 không đọc được.', action: CALL_IT },
  HL7V2_BAD_ENCODING_CHARACTERS: { reason: 'Bản tin HL7v2 có ký tự phân cách (MSH-2) sai.', action: CALL_IT },
  HL7V2_UNSUPPORTED_MESSAGE: { reason: 'Loại bản tin HL7v2 này chưa được hỗ trợ.', action: 'Không cần làm gì nếu loại bản tin này không cần gửi; nếu cần, báo bộ phận CNTT.' },
  HL7V2_NO_PATIENT: { reason: 'Bản tin HL7v2 không có thông tin người bệnh (PID).', action: CALL_IT },
  HL7V2_IDENTIFIER_WITHOUT_SYSTEM: { reason: 'Mã định danh trong bản tin HL7v2 thiếu nơi cấp.', action: CALL_IT },
  HL7V2_NO_MSH: { reason: 'Bản tin HL7v2 không có phân đoạn MSH.', action: CALL_IT },
  HL7V2_NO_MESSAGE_TYPE: { reason: 'Bản tin HL7v2 không có loại bản tin (MSH-9).', action: CALL_IT },
  HL7V2_NO_CONTROL_ID: { reason: 'Bản tin HL7v2 không có mã kiểm soát (MSH-10).', action: CALL_IT },
  HL7V2_CHARSET: { reason: 'Bảng mã của bản tin HL7v2 (MSH-18) không đọc được.', action: CALL_IT },
  HL7V2_REFUSED: { reason: 'Bản tin HL7v2 bị từ chối.', action: CALL_IT },
  CONVERT_RECORD_TOO_LARGE: {
    reason: 'Hồ sơ quá lớn để chuyển đổi trong giới hạn bộ nhớ cho phép (conversion.maxRecordMiB); hồ sơ gốc vẫn được giữ nguyên.',
    action: 'Tách hồ sơ trên HIS (ví dụ bỏ tệp đính kèm quá lớn) rồi xuất lại; hoặc nhờ CNTT tăng giới hạn trên máy đủ bộ nhớ (khoảng 25 lần kích thước hồ sơ).',
  },
  CONVERTER_FAILED: { reason: 'Bộ chuyển đổi gặp lỗi khi xử lý hồ sơ này.', action: CALL_IT },
  CONVERTER_CRASHED: { reason: 'Luồng chuyển đổi bị dừng đột ngột khi xử lý hồ sơ này (thiếu bộ nhớ hoặc lỗi hệ thống).', action: CALL_IT },
  CONVERT_TIMEOUT: { reason: 'Chuyển đổi hồ sơ này mất quá thời gian cho phép nên đã bị dừng.', action: CALL_IT },
};

/** The Vietnamese reason and next step for a code, or a generic one naming the code. */
export function problemText(code: string | null | undefined): ProblemText {
  const known = code ? TEXTS[code] : undefined;
  if (known) return known;
  return { reason: `Không đọc được${code ? ` (mã lỗi ${code})` : ''}.`, action: CALL_IT };
}

export const knownProblemCodes = (): string[] => Object.keys(TEXTS);
