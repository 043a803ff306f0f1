// One HTTP exchange over node:http(s), reporting whether the request had been fully
// written when anything went wrong. That bit is what separates "nothing was sent, retry"
// from "sent, maybe stored" (DESIGN §4.5–4.6), and fetch cannot tell it.
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, ClientRequest, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';

/** Our own deadline expired (undici-style: one class, one stable code). */
export class RequestTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'VHR_REQUEST_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** The answer was bigger than any FHIR response we could need; reading on would only use memory. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  readonly code = 'VHR_RESPONSE_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`response larger than ${limitBytes} bytes`);
  }
}

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** Whole exchange, from connecting to the last byte of the answer. */
  timeoutMs: number;
  agent?: HttpAgent | HttpsAgent;
  maxResponseBytes: number;
}

export type ExchangeResult =
  | { type: 'http'; status: number; headers: IncomingHttpHeaders; body: Buffer; durationMs: number }
  | { type: 'network'; error: Error; requestSent: boolean; durationMs: number };

export function exchange(x: ExchangeRequest): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let requestSent = false;
    let timedOut = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Omit<Extract<ExchangeResult, { type: 'http' }>, 'durationMs'> | Omit<Extract<ExchangeResult, { type: 'network' }>, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Math.round(performance.now() - started) } as ExchangeResult);
    };
    // Whatever error the socket reports after our deadline (often ECONNRESET), the cause was the deadline.
    const fail = (error: Error) => finish({ type: 'network', error: timedOut ? new RequestTimeoutError(x.timeoutMs) : error, requestSent });

    let req: ClientRequest;
    try {
      const send = x.url.protocol === 'https:' ? httpsRequest : httpRequest;
      req = send(x.url, { method: x.method, headers: x.headers, ...(x.agent ? { agent: x.agent } : {}) });
    } catch (err) {
      // Bad protocol or URL: thrown synchronously, before anything was sent.
      finish({ type: 'network', error: err as Error, requestSent: false });
      return;
    }
    timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new RequestTimeoutError(x.timeoutMs));
    }, x.timeoutMs);

    req.once('finish', () => {
      requestSent = true;
    });
    req.once('error', fail);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > x.maxResponseBytes) {
          req.destroy(new ResponseTooLargeError(x.maxResponseBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => finish({ type: 'http', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', fail);
      res.once('close', () => {
        if (!res.complete) fail(Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' }));
      });
    });
    req.end(x.body);
  });
}
