// "Test connection" on the settings screen: reads a destination's CapabilityStatement
// (`GET [base]/metadata`) with the same credentials deliveries use, and says in plain words
// what is wrong and what to do. Nothing is written to the store.
import type { DestinationConfig } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import type { ConnectionTestResponse } from './contract.js';

type Verdict = Omit<ConnectionTestResponse, 'destinationId' | 'durationMs'>;

function verdictForStatus(status: number): Verdict {
  if (status === 401 || status === 403) {
    return {
      ok: false,
      code: 'auth',
      httpStatus: status,
      message: `The store refused the credentials (HTTP ${status}). Check the access token of this destination.`,
      messageVi: `Máy chủ từ chối thông tin đăng nhập (HTTP ${status}). Hãy kiểm tra mã truy cập (token) của điểm nhận này.`,
    };
  }
  if (status === 404) {
    return {
      ok: false,
      code: 'not_found',
      httpStatus: status,
      message: 'No FHIR endpoint at this address (HTTP 404). Check the base URL in the configuration.',
      messageVi: 'Không có máy chủ FHIR tại địa chỉ này (HTTP 404). Hãy kiểm tra địa chỉ (baseUrl) trong cấu hình.',
    };
  }
  return {
    ok: false,
    code: 'http_error',
    httpStatus: status,
    message: `The store answered HTTP ${status}. Try again later; if it persists, contact the store's operator.`,
    messageVi: `Máy chủ trả lời HTTP ${status}. Hãy thử lại sau; nếu vẫn lỗi, liên hệ đơn vị quản lý máy chủ.`,
  };
}

export async function testConnection(dest: DestinationConfig, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ConnectionTestResponse> {
  const started = performance.now();
  const done = (v: Verdict): ConnectionTestResponse => ({ destinationId: dest.id, durationMs: Math.round(performance.now() - started), ...v });
  const headers: Record<string, string> = { Accept: 'application/fhir+json' };
  if (dest.auth.type === 'bearer') {
    try {
      headers.Authorization = `Bearer ${resolveSecret(dest.auth.token, opts.env)}`;
    } catch {
      return done({
        ok: false,
        code: 'secret_missing',
        message: `The access token ${dest.auth.token} is not set on this computer. Ask IT to set it, then restart the agent.`,
        messageVi: `Chưa đặt mã truy cập ${dest.auth.token} trên máy này. Nhờ bộ phận CNTT đặt giá trị, rồi khởi động lại phần mềm.`,
      });
    }
  }
  let res: Response;
  try {
    res = await fetch(`${dest.baseUrl}/metadata`, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? Math.min(dest.timeoutMs, 15_000)) });
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    return done(
      timeout
        ? {
            ok: false,
            code: 'timeout',
            message: 'The store did not answer in time. Check the network link to the store, then try again.',
            messageVi: 'Máy chủ không trả lời kịp. Hãy kiểm tra đường mạng tới máy chủ rồi thử lại.',
          }
        : {
            ok: false,
            code: 'unreachable',
            message: `Cannot reach the store (${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}). Check the address and that this computer can reach it.`,
            messageVi: 'Không kết nối được tới máy chủ. Hãy kiểm tra địa chỉ và đường mạng từ máy này tới máy chủ.',
          },
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    return done(verdictForStatus(res.status));
  }
  let body: { resourceType?: string; fhirVersion?: string; software?: { name?: string; version?: string } };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = {};
  }
  if (body.resourceType !== 'CapabilityStatement') {
    return done({
      ok: false,
      code: 'not_fhir',
      httpStatus: res.status,
      message: 'The address answers, but not as a FHIR server. Check the base URL (it usually ends in /fhir).',
      messageVi: 'Địa chỉ có trả lời nhưng không phải máy chủ FHIR. Hãy kiểm tra địa chỉ (thường kết thúc bằng /fhir).',
    });
  }
  const software = [body.software?.name, body.software?.version].filter(Boolean).join(' ') || undefined;
  return done({
    ok: true,
    code: 'ok',
    httpStatus: res.status,
    fhirVersion: body.fhirVersion,
    software,
    message: `Connected: FHIR ${body.fhirVersion ?? '?'}${software ? ` (${software})` : ''}.`,
    messageVi: `Kết nối tốt: FHIR ${body.fhirVersion ?? '?'}${software ? ` (${software})` : ''}.`,
  });
}
