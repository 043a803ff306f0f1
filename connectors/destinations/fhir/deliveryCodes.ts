// The delivery codes (DESIGN §4.5) and their one bilingual catalogue: for each code, what
// happened in plain words, English and Vietnamese (the status UI is Vietnamese first, DESIGN
// §8), and what the operator does next. Codes are stable (retry decisions and the records'
// history use them); texts are for people. No patient data: only statuses, codes, URLs of the
// store and the store's own words.

/** Codes with a fixed spelling. */
export const DeliveryCode = {
  DELIVERED: 'DELIVERED',
  DELIVERED_WITH_WARNINGS: 'DELIVERED_WITH_WARNINGS',
  /** A connection check: the store answered normally. */
  OK: 'OK',
  OPERATION_REJECTED: 'OPERATION_REJECTED',
  OPERATION_TRANSIENT: 'OPERATION_TRANSIENT',
  OAUTH_TOKEN_REFUSED: 'OAUTH_TOKEN_REFUSED',
  OAUTH_TOKEN_UNAVAILABLE: 'OAUTH_TOKEN_UNAVAILABLE',
  OAUTH_TOKEN_ENDPOINT_INVALID: 'OAUTH_TOKEN_ENDPOINT_INVALID',
  AUTH_HEADERS_FAILED: 'AUTH_HEADERS_FAILED',
  TLS_CLIENT_CERTIFICATE: 'TLS_CLIENT_CERTIFICATE',
  TLS_SETUP_FAILED: 'TLS_SETUP_FAILED',
  TLS_CERTIFICATE: 'TLS_CERTIFICATE',
  TIMEOUT_AFTER_SEND: 'TIMEOUT_AFTER_SEND',
  TIMEOUT_BEFORE_SEND: 'TIMEOUT_BEFORE_SEND',
  ENDPOINT_NOT_FOUND: 'ENDPOINT_NOT_FOUND',
  ENDPOINT_REDIRECTED: 'ENDPOINT_REDIRECTED',
  ENDPOINT_UNSUPPORTED: 'ENDPOINT_UNSUPPORTED',
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
  DNS_FAILURE: 'DNS_FAILURE',
  INVALID_URL: 'INVALID_URL',
  HTTP_401: 'HTTP_401',
  HTTP_403: 'HTTP_403',
  HTTP_407: 'HTTP_407',
  HTTP_429: 'HTTP_429',
  NET_ECONNREFUSED: 'NET_ECONNREFUSED',
  NET_EAI_AGAIN: 'NET_EAI_AGAIN',
  NET_ECONNRESET: 'NET_ECONNRESET',
  NET_EPIPE: 'NET_EPIPE',
  NET_ECONNABORTED: 'NET_ECONNABORTED',
  NET_UND_ERR_SOCKET: 'NET_UND_ERR_SOCKET',
  NET_UND_ERR_CLOSED: 'NET_UND_ERR_CLOSED',
  ENTRY_HTTP_UNKNOWN: 'ENTRY_HTTP_UNKNOWN',
  /** The client threw instead of classifying: a defect, retried so that nothing is lost. */
  CLIENT_FAILED: 'CLIENT_FAILED',
  /** The record cannot be cut into requests the store takes (entries in a cycle over the limit). */
  RECORD_NOT_SPLITTABLE: 'RECORD_NOT_SPLITTABLE',
} as const;
export type FixedDeliveryCode = (typeof DeliveryCode)[keyof typeof DeliveryCode];

/** Every delivery code: the fixed ones, and the families by HTTP status or network error. */
export type DeliveryCode = FixedDeliveryCode | `HTTP_${number}` | `ENTRY_HTTP_${number}` | `NET_${string}`;

export interface Texts {
  message: string;
  messageVi: string;
}

export interface TextContext {
  httpStatus?: number;
  /** The store's own words, quoted in rejections. */
  serverText?: string;
  retryAfterMs?: number;
  /** Zero-based index of the failing Bundle entry. */
  entryIndex?: number;
  /** Network error code, e.g. ECONNRESET. */
  errorCode?: string;
  /** Extra detail that is safe to show (a redirect target, a credentials error). */
  detail?: string;
}

/** What the operator does next, by code. */
export const OperatorStep = {
  /** Nothing: the record is where it should be. */
  none: 'none',
  /** Nothing yet: the agent sends again by itself; act only if it lasts. */
  wait: 'wait',
  /** Correct the record at the HIS (or its export), then send it again. */
  fixRecord: 'fix_record',
  /** Correct this destination's settings (address, login, certificates); sending is paused until then. */
  fixDestination: 'fix_destination',
  /** Ask the store's administrators (access rights, what the endpoint accepts); sending is paused. */
  askStore: 'ask_store',
  /** Ask the hospital's IT staff (proxy, network); sending is paused. */
  askIt: 'ask_it',
} as const;
export type OperatorStep = (typeof OperatorStep)[keyof typeof OperatorStep];

export const OPERATOR_STEP_TEXTS: Record<OperatorStep, Texts> = {
  none: { message: 'Nothing to do.', messageVi: 'Không cần làm gì.' },
  wait: {
    message: 'Nothing to do now: the agent sends it again by itself. If it lasts for hours, check the network and the store.',
    messageVi: 'Chưa cần làm gì: hệ thống tự gửi lại. Nếu kéo dài nhiều giờ, kiểm tra mạng và kho dữ liệu.',
  },
  // A resend would send the same content again; a corrected export is a newer version, which
  // is sent by itself and supersedes this one (main/store/versions.ts).
  fix_record: {
    message: 'Correct the record in the HIS and export it again; the new version is sent by itself.',
    messageVi: 'Sửa hồ sơ trên HIS rồi xuất lại; phiên bản mới sẽ tự động được gửi.',
  },
  fix_destination: {
    message: "Correct this destination's settings; sending resumes once the configuration is saved (or resume it by hand).",
    messageVi: 'Sửa cấu hình của điểm nhận; việc gửi tiếp tục khi cấu hình được lưu (hoặc bấm tiếp tục).',
  },
  ask_store: {
    message: "Contact the store's administrators; resume sending once they have fixed it.",
    messageVi: 'Liên hệ quản trị kho dữ liệu; bấm tiếp tục gửi khi họ đã xử lý xong.',
  },
  ask_it: {
    message: "Ask the hospital's IT staff to check the network settings; resume sending once fixed.",
    messageVi: 'Nhờ bộ phận CNTT của bệnh viện kiểm tra cấu hình mạng; bấm tiếp tục gửi khi đã xử lý xong.',
  },
};

interface Entry {
  /** What happened and what happens next, in each language. */
  texts: (ctx: TextContext) => Texts;
  step: OperatorStep;
}

const RETRY = { en: 'the agent will retry automatically', vi: 'hệ thống sẽ tự gửi lại' };
const PAUSED = { en: 'sending to this destination is paused', vi: 'việc gửi tới điểm nhận này tạm dừng' };

function quote(text: string | undefined): string {
  return text ? `: ${text}` : '';
}

function retryIn(ms: number | undefined): Texts {
  if (ms === undefined) return { message: '', messageVi: '' };
  const seconds = Math.ceil(ms / 1000);
  return { message: ` in ${seconds} s`, messageVi: ` sau ${seconds} giây` };
}

const entry = (step: OperatorStep, texts: (ctx: TextContext) => Texts): Entry => ({ step, texts });

const connectionCut = entry(OperatorStep.wait, (ctx) => ({
  message: `The connection to the store was cut off (${ctx.errorCode}); ${RETRY.en}.`,
  messageVi: `Kết nối tới kho dữ liệu bị ngắt giữa chừng (${ctx.errorCode}); ${RETRY.vi}.`,
}));

/** One entry per fixed code. */
const CATALOGUE: Record<FixedDeliveryCode, Entry> = {
  DELIVERED: entry(OperatorStep.none, () => ({ message: 'Delivered: the store accepted the record.', messageVi: 'Đã gửi: kho dữ liệu đã nhận hồ sơ.' })),
  OK: entry(OperatorStep.none, () => ({ message: 'The store answered normally.', messageVi: 'Kho dữ liệu phản hồi bình thường.' })),
  DELIVERED_WITH_WARNINGS: entry(OperatorStep.none, (ctx) => ({
    message: `Delivered: the store accepted the record, with remarks${quote(ctx.serverText)}.`,
    messageVi: `Đã gửi: kho dữ liệu đã nhận hồ sơ, kèm lưu ý${quote(ctx.serverText)}.`,
  })),
  OPERATION_REJECTED: entry(OperatorStep.fixRecord, (ctx) => ({
    message: `The gateway refused the claim record (HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Fix the data, then send it again.`,
    messageVi: `Cổng tiếp nhận từ chối hồ sơ (HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
  })),
  OPERATION_TRANSIENT: entry(OperatorStep.wait, (ctx) => ({
    message: `The gateway cannot take the record right now${quote(ctx.serverText)}; ${RETRY.en}.`,
    messageVi: `Cổng tiếp nhận tạm thời chưa nhận được hồ sơ${quote(ctx.serverText)}; ${RETRY.vi}.`,
  })),
  OAUTH_TOKEN_REFUSED: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The login server refused the agent's client credentials (HTTP ${ctx.httpStatus}${ctx.detail ? `: ${ctx.detail}` : ''}). Check clientId and clientSecret of this destination; ${PAUSED.en}.`,
    messageVi: `Máy chủ cấp quyền truy cập từ chối thông tin đăng nhập của phần mềm (HTTP ${ctx.httpStatus}${ctx.detail ? `: ${ctx.detail}` : ''}). Kiểm tra clientId và clientSecret của điểm nhận; ${PAUSED.vi}.`,
  })),
  OAUTH_TOKEN_UNAVAILABLE: entry(OperatorStep.wait, (ctx) => {
    const why = ctx.httpStatus !== undefined ? `HTTP ${ctx.httpStatus}` : (ctx.errorCode ?? 'network');
    return {
      message: `The login server cannot give an access token right now (${why}); ${RETRY.en}.`,
      messageVi: `Máy chủ cấp quyền truy cập tạm thời không cấp được mã truy cập (${why}); ${RETRY.vi}.`,
    };
  }),
  OAUTH_TOKEN_ENDPOINT_INVALID: entry(OperatorStep.fixDestination, (ctx) => {
    const status = ctx.httpStatus !== undefined ? ` (HTTP ${ctx.httpStatus})` : '';
    return {
      message: `The login server address (tokenUrl) does not work as an OAuth token endpoint${status}${quote(ctx.detail)}. Check tokenUrl of this destination; ${PAUSED.en}.`,
      messageVi: `Địa chỉ máy chủ cấp quyền (tokenUrl) không hoạt động như một điểm cấp mã OAuth${status}${quote(ctx.detail)}. Kiểm tra tokenUrl của điểm nhận; ${PAUSED.vi}.`,
    };
  }),
  TLS_CLIENT_CERTIFICATE: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The store did not accept this computer's client certificate, or wanted one and got none (${ctx.errorCode}). Check tls.certFile and tls.keyFile with the store's administrators; ${PAUSED.en}.`,
    messageVi: `Kho dữ liệu không chấp nhận chứng chỉ máy khách của máy này, hoặc yêu cầu chứng chỉ mà không nhận được (${ctx.errorCode}). Kiểm tra tls.certFile và tls.keyFile cùng quản trị kho dữ liệu; ${PAUSED.vi}.`,
  })),
  TLS_SETUP_FAILED: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The destination's certificate settings cannot be used${quote(ctx.detail)}. Fix the tls settings in the configuration; ${PAUSED.en}.`,
    messageVi: `Không dùng được cấu hình chứng chỉ của điểm nhận${quote(ctx.detail)}. Sửa mục tls trong cấu hình; ${PAUSED.vi}.`,
  })),
  HTTP_429: entry(OperatorStep.wait, (ctx) => {
    const after = retryIn(ctx.retryAfterMs);
    return {
      message: `The store is receiving too many requests (HTTP 429); the agent will retry${after.message}.`,
      messageVi: `Kho dữ liệu đang nhận quá nhiều yêu cầu (HTTP 429); hệ thống sẽ tự gửi lại${after.messageVi}.`,
    };
  }),
  TIMEOUT_AFTER_SEND: entry(OperatorStep.wait, () => ({
    message: 'The record was sent but the store did not answer in time, so it may or may not have been saved. Sending it again is safe and the agent will do so.',
    messageVi: 'Đã gửi hồ sơ nhưng kho dữ liệu không trả lời kịp nên chưa rõ đã lưu hay chưa. Gửi lại là an toàn (không tạo bản trùng) và hệ thống sẽ tự gửi lại.',
  })),
  TIMEOUT_BEFORE_SEND: entry(OperatorStep.wait, () => ({
    message: `The store could not be reached in time and nothing was sent; ${RETRY.en}.`,
    messageVi: `Không kết nối kịp tới kho dữ liệu, hồ sơ chưa được gửi; ${RETRY.vi}.`,
  })),
  NET_ECONNREFUSED: entry(OperatorStep.wait, () => ({
    message: `The store refused the connection (is it running, is the port right?); ${RETRY.en}.`,
    messageVi: `Kho dữ liệu từ chối kết nối (máy chủ có đang chạy, cổng có đúng không?); ${RETRY.vi}.`,
  })),
  NET_ECONNRESET: connectionCut,
  NET_EPIPE: connectionCut,
  NET_ECONNABORTED: connectionCut,
  NET_UND_ERR_SOCKET: connectionCut,
  NET_UND_ERR_CLOSED: connectionCut,
  NET_EAI_AGAIN: entry(OperatorStep.wait, () => ({
    message: `The store's host name cannot be looked up right now (DNS); ${RETRY.en}.`,
    messageVi: `Tạm thời không tra được tên máy chủ của kho dữ liệu (DNS); ${RETRY.vi}.`,
  })),
  AUTH_HEADERS_FAILED: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `Could not obtain credentials for the store${quote(ctx.detail)}. Check the destination's login settings; ${PAUSED.en}.`,
    messageVi: `Không lấy được thông tin xác thực cho kho dữ liệu${quote(ctx.detail)}. Kiểm tra cấu hình đăng nhập của điểm nhận; ${PAUSED.vi}.`,
  })),
  HTTP_401: entry(OperatorStep.fixDestination, () => ({
    message: `The store did not accept the credentials (HTTP 401). Check the destination's login settings; ${PAUSED.en}.`,
    messageVi: `Kho dữ liệu không chấp nhận thông tin đăng nhập (HTTP 401). Kiểm tra cấu hình xác thực của điểm nhận; ${PAUSED.vi}.`,
  })),
  HTTP_403: entry(OperatorStep.askStore, () => ({
    message: `This account is not allowed to send to the store (HTTP 403). Ask the store's administrators for access; ${PAUSED.en}.`,
    messageVi: `Tài khoản không có quyền gửi tới kho dữ liệu (HTTP 403). Liên hệ quản trị kho dữ liệu để được cấp quyền; ${PAUSED.vi}.`,
  })),
  HTTP_407: entry(OperatorStep.askIt, () => ({
    message: `The network proxy asks for a login (HTTP 407). Check the proxy settings with the hospital IT staff; ${PAUSED.en}.`,
    messageVi: `Máy chủ proxy của mạng yêu cầu đăng nhập (HTTP 407). Kiểm tra cấu hình proxy cùng bộ phận CNTT; ${PAUSED.vi}.`,
  })),
  ENDPOINT_NOT_FOUND: entry(OperatorStep.fixDestination, () => ({
    message: `There is no FHIR store at this address (HTTP 404). Check the destination's base URL; ${PAUSED.en}.`,
    messageVi: `Không có kho dữ liệu FHIR tại địa chỉ này (HTTP 404). Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
  })),
  ENDPOINT_REDIRECTED: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The store redirects this address (HTTP ${ctx.httpStatus})${ctx.detail ? ` to ${ctx.detail}` : ''}. Update the destination's base URL; ${PAUSED.en}.`,
    messageVi: `Kho dữ liệu chuyển hướng địa chỉ này (HTTP ${ctx.httpStatus})${ctx.detail ? ` sang ${ctx.detail}` : ''}. Cập nhật địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
  })),
  ENDPOINT_UNSUPPORTED: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `This address does not accept FHIR ${ctx.detail ?? 'transaction'} Bundles (HTTP ${ctx.httpStatus}). Check the base URL and the delivery mode; ${PAUSED.en}.`,
    messageVi: `Địa chỉ này không nhận gói FHIR ${ctx.detail ?? 'transaction'} (HTTP ${ctx.httpStatus}). Kiểm tra địa chỉ và chế độ gửi của điểm nhận; ${PAUSED.vi}.`,
  })),
  UNEXPECTED_RESPONSE: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The address answered (HTTP ${ctx.httpStatus}) but not like a FHIR store${quote(ctx.detail)}. Check the destination's base URL; ${PAUSED.en}.`,
    messageVi: `Địa chỉ có trả lời (HTTP ${ctx.httpStatus}) nhưng không phải như một kho dữ liệu FHIR${quote(ctx.detail)}. Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
  })),
  DNS_FAILURE: entry(OperatorStep.fixDestination, () => ({
    message: `The store's host name does not exist (DNS). Check the destination's base URL; ${PAUSED.en}.`,
    messageVi: `Tên máy chủ của kho dữ liệu không tồn tại (DNS). Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
  })),
  TLS_CERTIFICATE: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The store's security certificate is not trusted (${ctx.errorCode}). Check the address and the certificate (CA) settings; ${PAUSED.en}.`,
    messageVi: `Chứng chỉ bảo mật của kho dữ liệu không được tin cậy (${ctx.errorCode}). Kiểm tra địa chỉ và cấu hình chứng chỉ (CA); ${PAUSED.vi}.`,
  })),
  INVALID_URL: entry(OperatorStep.fixDestination, (ctx) => ({
    message: `The destination's base URL is not a valid http(s) address${quote(ctx.detail)}. Fix it in the configuration; ${PAUSED.en}.`,
    messageVi: `Địa chỉ (baseUrl) của điểm nhận không phải địa chỉ http(s) hợp lệ${quote(ctx.detail)}. Sửa lại trong cấu hình; ${PAUSED.vi}.`,
  })),
  // Read through the ENTRY_HTTP_ family below, like every entry-level code.
  ENTRY_HTTP_UNKNOWN: entry(OperatorStep.fixRecord, (ctx) => FAMILY.entryRejected.texts(ctx)),
  RECORD_NOT_SPLITTABLE: entry(OperatorStep.askStore, (ctx) => ({
    message: `The record is larger than the store takes in one request and cannot be sent in parts${quote(ctx.detail)}. Ask the store's administrators to raise its limit.`,
    messageVi: `Hồ sơ lớn hơn mức kho dữ liệu nhận trong một yêu cầu và không thể gửi thành nhiều phần${quote(ctx.detail)}. Đề nghị quản trị kho dữ liệu nâng giới hạn.`,
  })),
  CLIENT_FAILED: entry(OperatorStep.wait, (ctx) => ({
    message: `delivery failed unexpectedly: ${ctx.detail}`,
    messageVi: `Gửi thất bại do lỗi không mong đợi: ${ctx.detail}`,
  })),
};

const entryNo = (ctx: TextContext) => (ctx.entryIndex !== undefined ? ctx.entryIndex + 1 : undefined);
const isTransientStatus = (s: number) => s === 408 || s === 429 || s >= 500 || s < 200;

/** The families: HTTP_<status>, ENTRY_HTTP_<status> and NET_<code> not listed above. */
const FAMILY = {
  entryTransient: entry(OperatorStep.wait, (ctx) => ({
    message: `Part of the record could not be saved right now (entry ${entryNo(ctx)}, HTTP ${ctx.httpStatus}); the agent will send the record again.`,
    messageVi: `Một phần hồ sơ chưa lưu được lúc này (mục ${entryNo(ctx)}, HTTP ${ctx.httpStatus}); hệ thống sẽ gửi lại hồ sơ.`,
  })),
  entryAuth: entry(OperatorStep.askStore, (ctx) => ({
    message: `The store refused access for part of the record (entry ${entryNo(ctx)}, HTTP ${ctx.httpStatus}). Check the destination's login and permissions; ${PAUSED.en}.`,
    messageVi: `Kho dữ liệu từ chối quyền truy cập với một phần hồ sơ (mục ${entryNo(ctx)}, HTTP ${ctx.httpStatus}). Kiểm tra tài khoản và quyền của điểm nhận; ${PAUSED.vi}.`,
  })),
  entryRejected: entry(OperatorStep.fixRecord, (ctx) => ({
    message: `The store rejected part of the record (entry ${entryNo(ctx)}, HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Fix the data, then send it again.`,
    messageVi: `Kho dữ liệu từ chối một phần hồ sơ (mục ${entryNo(ctx)}, HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
  })),
  httpTransient: entry(OperatorStep.wait, (ctx) => {
    const after = retryIn(ctx.retryAfterMs);
    return {
      message: `The store is temporarily unable to take the record (HTTP ${ctx.httpStatus}); the agent will retry${after.message}.`,
      messageVi: `Kho dữ liệu tạm thời chưa nhận được hồ sơ (HTTP ${ctx.httpStatus}); hệ thống sẽ tự gửi lại${after.messageVi}.`,
    };
  }),
  httpRejected: entry(OperatorStep.fixRecord, (ctx) => ({
    message: `The store rejected the record (HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Fix the data, then send it again.`,
    messageVi: `Kho dữ liệu từ chối hồ sơ (HTTP ${ctx.httpStatus})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
  })),
  network: entry(OperatorStep.wait, (ctx) => ({
    message: `Network problem talking to the store (${ctx.errorCode}); ${RETRY.en}.`,
    messageVi: `Lỗi mạng khi gửi tới kho dữ liệu (${ctx.errorCode}); ${RETRY.vi}.`,
  })),
} as const;

const isFixed = (code: string): code is FixedDeliveryCode => Object.hasOwn(CATALOGUE, code);

/** The catalogue entry of a code: its own, or its family's by the HTTP status it came with. */
function entryOf(code: DeliveryCode, ctx: TextContext): { entry: Entry; ctx: TextContext } {
  const s = ctx.httpStatus;
  if (code.startsWith('ENTRY_HTTP_')) {
    if (s !== undefined && isTransientStatus(s)) return { entry: FAMILY.entryTransient, ctx };
    if (s === 401 || s === 403) return { entry: FAMILY.entryAuth, ctx };
    return { entry: FAMILY.entryRejected, ctx };
  }
  if (isFixed(code)) return { entry: CATALOGUE[code], ctx };
  if (code.startsWith('HTTP_') && s !== undefined) return { entry: isTransientStatus(s) ? FAMILY.httpTransient : FAMILY.httpRejected, ctx };
  return { entry: FAMILY.network, ctx: { ...ctx, errorCode: ctx.errorCode ?? code } };
}

/** What happened, in plain words, English and Vietnamese. */
export function describe(code: DeliveryCode, ctx: TextContext = {}): Texts {
  const found = entryOf(code, ctx);
  return found.entry.texts(found.ctx);
}

/** What the operator does next about a code, and the words for it. */
export function nextStep(code: DeliveryCode, ctx: TextContext = {}): { step: OperatorStep } & Texts {
  const { step } = entryOf(code, ctx).entry;
  return { step, ...OPERATOR_STEP_TEXTS[step] };
}
