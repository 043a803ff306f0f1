// Plain-words texts for each classification code, English and Vietnamese (the status UI
// is Vietnamese first, DESIGN §8). Each says what happened and what happens next or
// what a person must do. No patient data: only statuses, codes, URLs of the store and
// the store's own words.

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

export function describe(code: string, ctx: TextContext = {}): Texts {
  const s = ctx.httpStatus;
  const entry = ctx.entryIndex !== undefined ? ctx.entryIndex + 1 : undefined;
  switch (code) {
    case 'DELIVERED':
      return { message: 'Delivered: the store accepted the record.', messageVi: 'Đã gửi: kho dữ liệu đã nhận hồ sơ.' };
    case 'OK':
      return { message: 'The store answered normally.', messageVi: 'Kho dữ liệu phản hồi bình thường.' };
    case 'DELIVERED_WITH_WARNINGS':
      return {
        message: `Delivered: the store accepted the record, with remarks${quote(ctx.serverText)}.`,
        messageVi: `Đã gửi: kho dữ liệu đã nhận hồ sơ, kèm lưu ý${quote(ctx.serverText)}.`,
      };
    case 'OPERATION_REJECTED':
      return {
        message: `The gateway refused the claim record (HTTP ${s})${quote(ctx.serverText)}. Fix the data, then send it again.`,
        messageVi: `Cổng tiếp nhận từ chối hồ sơ (HTTP ${s})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
      };
    case 'OPERATION_TRANSIENT':
      return {
        message: `The gateway cannot take the record right now${quote(ctx.serverText)}; ${RETRY.en}.`,
        messageVi: `Cổng tiếp nhận tạm thời chưa nhận được hồ sơ${quote(ctx.serverText)}; ${RETRY.vi}.`,
      };
    case 'OAUTH_TOKEN_REFUSED':
      return {
        message: `The login server refused the agent's client credentials (HTTP ${s}${ctx.detail ? `: ${ctx.detail}` : ''}). Check clientId and clientSecret of this destination; ${PAUSED.en}.`,
        messageVi: `Máy chủ cấp quyền truy cập từ chối thông tin đăng nhập của phần mềm (HTTP ${s}${ctx.detail ? `: ${ctx.detail}` : ''}). Kiểm tra clientId và clientSecret của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'OAUTH_TOKEN_UNAVAILABLE': {
      const why = s !== undefined ? `HTTP ${s}` : (ctx.errorCode ?? 'network');
      return {
        message: `The login server cannot give an access token right now (${why}); ${RETRY.en}.`,
        messageVi: `Máy chủ cấp quyền truy cập tạm thời không cấp được mã truy cập (${why}); ${RETRY.vi}.`,
      };
    }
    case 'OAUTH_TOKEN_ENDPOINT_INVALID':
      return {
        message: `The login server address (tokenUrl) does not work as an OAuth token endpoint${s !== undefined ? ` (HTTP ${s})` : ''}${quote(ctx.detail)}. Check tokenUrl of this destination; ${PAUSED.en}.`,
        messageVi: `Địa chỉ máy chủ cấp quyền (tokenUrl) không hoạt động như một điểm cấp mã OAuth${s !== undefined ? ` (HTTP ${s})` : ''}${quote(ctx.detail)}. Kiểm tra tokenUrl của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'TLS_CLIENT_CERTIFICATE':
      return {
        message: `The store did not accept this computer's client certificate, or wanted one and got none (${ctx.errorCode}). Check tls.certFile and tls.keyFile with the store's administrators; ${PAUSED.en}.`,
        messageVi: `Kho dữ liệu không chấp nhận chứng chỉ máy khách của máy này, hoặc yêu cầu chứng chỉ mà không nhận được (${ctx.errorCode}). Kiểm tra tls.certFile và tls.keyFile cùng quản trị kho dữ liệu; ${PAUSED.vi}.`,
      };
    case 'TLS_SETUP_FAILED':
      return {
        message: `The destination's certificate settings cannot be used${quote(ctx.detail)}. Fix the tls settings in the configuration; ${PAUSED.en}.`,
        messageVi: `Không dùng được cấu hình chứng chỉ của điểm nhận${quote(ctx.detail)}. Sửa mục tls trong cấu hình; ${PAUSED.vi}.`,
      };
    case 'HTTP_429': {
      const after = retryIn(ctx.retryAfterMs);
      return {
        message: `The store is receiving too many requests (HTTP 429); the agent will retry${after.message}.`,
        messageVi: `Kho dữ liệu đang nhận quá nhiều yêu cầu (HTTP 429); hệ thống sẽ tự gửi lại${after.messageVi}.`,
      };
    }
    case 'TIMEOUT_AFTER_SEND':
      return {
        message: 'The record was sent but the store did not answer in time, so it may or may not have been saved. Sending it again is safe and the agent will do so.',
        messageVi: 'Đã gửi hồ sơ nhưng kho dữ liệu không trả lời kịp nên chưa rõ đã lưu hay chưa. Gửi lại là an toàn (không tạo bản trùng) và hệ thống sẽ tự gửi lại.',
      };
    case 'TIMEOUT_BEFORE_SEND':
      return {
        message: `The store could not be reached in time and nothing was sent; ${RETRY.en}.`,
        messageVi: `Không kết nối kịp tới kho dữ liệu, hồ sơ chưa được gửi; ${RETRY.vi}.`,
      };
    case 'NET_ECONNREFUSED':
      return {
        message: `The store refused the connection (is it running, is the port right?); ${RETRY.en}.`,
        messageVi: `Kho dữ liệu từ chối kết nối (máy chủ có đang chạy, cổng có đúng không?); ${RETRY.vi}.`,
      };
    case 'NET_ECONNRESET':
    case 'NET_EPIPE':
    case 'NET_ECONNABORTED':
    case 'NET_UND_ERR_SOCKET':
    case 'NET_UND_ERR_CLOSED':
      return {
        message: `The connection to the store was cut off (${ctx.errorCode}); ${RETRY.en}.`,
        messageVi: `Kết nối tới kho dữ liệu bị ngắt giữa chừng (${ctx.errorCode}); ${RETRY.vi}.`,
      };
    case 'NET_EAI_AGAIN':
      return {
        message: `The store's host name cannot be looked up right now (DNS); ${RETRY.en}.`,
        messageVi: `Tạm thời không tra được tên máy chủ của kho dữ liệu (DNS); ${RETRY.vi}.`,
      };
    case 'AUTH_HEADERS_FAILED':
      return {
        message: `Could not obtain credentials for the store${quote(ctx.detail)}. Check the destination's login settings; ${PAUSED.en}.`,
        messageVi: `Không lấy được thông tin xác thực cho kho dữ liệu${quote(ctx.detail)}. Kiểm tra cấu hình đăng nhập của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'HTTP_401':
      return {
        message: `The store did not accept the credentials (HTTP 401). Check the destination's login settings; ${PAUSED.en}.`,
        messageVi: `Kho dữ liệu không chấp nhận thông tin đăng nhập (HTTP 401). Kiểm tra cấu hình xác thực của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'HTTP_403':
      return {
        message: `This account is not allowed to send to the store (HTTP 403). Ask the store's administrators for access; ${PAUSED.en}.`,
        messageVi: `Tài khoản không có quyền gửi tới kho dữ liệu (HTTP 403). Liên hệ quản trị kho dữ liệu để được cấp quyền; ${PAUSED.vi}.`,
      };
    case 'HTTP_407':
      return {
        message: `The network proxy asks for a login (HTTP 407). Check the proxy settings with the hospital IT staff; ${PAUSED.en}.`,
        messageVi: `Máy chủ proxy của mạng yêu cầu đăng nhập (HTTP 407). Kiểm tra cấu hình proxy cùng bộ phận CNTT; ${PAUSED.vi}.`,
      };
    case 'ENDPOINT_NOT_FOUND':
      return {
        message: `There is no FHIR store at this address (HTTP 404). Check the destination's base URL; ${PAUSED.en}.`,
        messageVi: `Không có kho dữ liệu FHIR tại địa chỉ này (HTTP 404). Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'ENDPOINT_REDIRECTED':
      return {
        message: `The store redirects this address (HTTP ${s})${ctx.detail ? ` to ${ctx.detail}` : ''}. Update the destination's base URL; ${PAUSED.en}.`,
        messageVi: `Kho dữ liệu chuyển hướng địa chỉ này (HTTP ${s})${ctx.detail ? ` sang ${ctx.detail}` : ''}. Cập nhật địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'ENDPOINT_UNSUPPORTED':
      return {
        message: `This address does not accept FHIR ${ctx.detail ?? 'transaction'} Bundles (HTTP ${s}). Check the base URL and the delivery mode; ${PAUSED.en}.`,
        messageVi: `Địa chỉ này không nhận gói FHIR ${ctx.detail ?? 'transaction'} (HTTP ${s}). Kiểm tra địa chỉ và chế độ gửi của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'UNEXPECTED_RESPONSE':
      return {
        message: `The address answered (HTTP ${s}) but not like a FHIR store${quote(ctx.detail)}. Check the destination's base URL; ${PAUSED.en}.`,
        messageVi: `Địa chỉ có trả lời (HTTP ${s}) nhưng không phải như một kho dữ liệu FHIR${quote(ctx.detail)}. Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'DNS_FAILURE':
      return {
        message: `The store's host name does not exist (DNS). Check the destination's base URL; ${PAUSED.en}.`,
        messageVi: `Tên máy chủ của kho dữ liệu không tồn tại (DNS). Kiểm tra lại địa chỉ (baseUrl) của điểm nhận; ${PAUSED.vi}.`,
      };
    case 'TLS_CERTIFICATE':
      return {
        message: `The store's security certificate is not trusted (${ctx.errorCode}). Check the address and the certificate (CA) settings; ${PAUSED.en}.`,
        messageVi: `Chứng chỉ bảo mật của kho dữ liệu không được tin cậy (${ctx.errorCode}). Kiểm tra địa chỉ và cấu hình chứng chỉ (CA); ${PAUSED.vi}.`,
      };
    case 'INVALID_URL':
      return {
        message: `The destination's base URL is not a valid http(s) address${quote(ctx.detail)}. Fix it in the configuration; ${PAUSED.en}.`,
        messageVi: `Địa chỉ (baseUrl) của điểm nhận không phải địa chỉ http(s) hợp lệ${quote(ctx.detail)}. Sửa lại trong cấu hình; ${PAUSED.vi}.`,
      };
    default:
      return describeFamily(code, ctx, s, entry);
  }
}

/** Codes that come in families: HTTP_<status>, ENTRY_HTTP_<status>, NET_<code>. */
function describeFamily(code: string, ctx: TextContext, s: number | undefined, entry: number | undefined): Texts {
  if (code.startsWith('ENTRY_HTTP_')) {
    if (s !== undefined && (s === 408 || s === 429 || s >= 500)) {
      return {
        message: `Part of the record could not be saved right now (entry ${entry}, HTTP ${s}); the agent will send the record again.`,
        messageVi: `Một phần hồ sơ chưa lưu được lúc này (mục ${entry}, HTTP ${s}); hệ thống sẽ gửi lại hồ sơ.`,
      };
    }
    if (s === 401 || s === 403) {
      return {
        message: `The store refused access for part of the record (entry ${entry}, HTTP ${s}). Check the destination's login and permissions; ${PAUSED.en}.`,
        messageVi: `Kho dữ liệu từ chối quyền truy cập với một phần hồ sơ (mục ${entry}, HTTP ${s}). Kiểm tra tài khoản và quyền của điểm nhận; ${PAUSED.vi}.`,
      };
    }
    return {
      message: `The store rejected part of the record (entry ${entry}, HTTP ${s})${quote(ctx.serverText)}. Fix the data, then send it again.`,
      messageVi: `Kho dữ liệu từ chối một phần hồ sơ (mục ${entry}, HTTP ${s})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
    };
  }
  if (code.startsWith('HTTP_') && s !== undefined) {
    if (s === 408 || s === 429 || s >= 500 || s < 200) {
      const after = retryIn(ctx.retryAfterMs);
      return {
        message: `The store is temporarily unable to take the record (HTTP ${s}); the agent will retry${after.message}.`,
        messageVi: `Kho dữ liệu tạm thời chưa nhận được hồ sơ (HTTP ${s}); hệ thống sẽ tự gửi lại${after.messageVi}.`,
      };
    }
    return {
      message: `The store rejected the record (HTTP ${s})${quote(ctx.serverText)}. Fix the data, then send it again.`,
      messageVi: `Kho dữ liệu từ chối hồ sơ (HTTP ${s})${quote(ctx.serverText)}. Sửa dữ liệu rồi gửi lại.`,
    };
  }
  return {
    message: `Network problem talking to the store (${ctx.errorCode ?? code}); ${RETRY.en}.`,
    messageVi: `Lỗi mạng khi gửi tới kho dữ liệu (${ctx.errorCode ?? code}); ${RETRY.vi}.`,
  };
}
