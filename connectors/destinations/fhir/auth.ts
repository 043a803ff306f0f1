// Credentials for one destination's requests (DESIGN §9). A provider never throws: when it
// cannot produce headers it says why as a Classification, which the client returns as the
// outcome of the send, so the pipeline pauses or retries by code like any other failure.
import { classify } from './classify.js';
import type { Classification } from './classify.js';
import { describe } from './deliveryCodes.js';

export type AuthHeaders = Record<string, string>;

export type AuthResult = { ok: true; headers: AuthHeaders } | { ok: false; classification: Classification; summary: string };

export interface AuthProvider {
  /** Headers for the next request (a cached token, refreshed when due). */
  headers(): Promise<AuthResult>;
  /**
   * The store answered 401 to a request made with `used`. Returns true when fresh credentials
   * are worth one more try (a token refreshed, a rotated secret); the client retries once.
   */
  rejected?(used: AuthHeaders): Promise<boolean>;
}

export const noAuth: AuthProvider = {
  headers: () => Promise.resolve({ ok: true, headers: {} }),
};

/**
 * A static bearer token read through its secret reference. Read once and kept, because a
 * keychain lookup starts a process; read again after a 401 so that a rotated token is
 * picked up without restarting the agent.
 */
export function bearerAuth(readToken: () => string | Promise<string>): AuthProvider {
  let token: string | undefined;
  return {
    async headers() {
      try {
        token ??= await readToken();
      } catch (err) {
        return credentialsFailure(err);
      }
      return { ok: true, headers: { Authorization: `Bearer ${token}` } };
    },
    async rejected(used) {
      const before = token;
      if (used.Authorization !== `Bearer ${before}`) return true;
      token = undefined;
      try {
        token = await readToken();
      } catch {
        // headers() will report why on the retry.
        return true;
      }
      return token !== before;
    },
  };
}

/** Adapts the older `headers: () => headers` option of FhirClientConfig. */
export function headersAuth(fn: () => Promise<AuthHeaders> | AuthHeaders): AuthProvider {
  return {
    async headers() {
      try {
        return { ok: true, headers: await fn() };
      } catch (err) {
        return credentialsFailure(err);
      }
    },
  };
}

/**
 * The credentials source failed. A network error there (a token server unreachable) is as
 * temporary as one on the store; anything else (a secret not set) needs a person. Error
 * messages from secret references name the reference, never the value.
 */
export function credentialsFailure(err: unknown): { ok: false; classification: Classification; summary: string } {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code) && code !== 'ENOTFOUND') {
    return { ok: false, classification: classify({ type: 'network', error: err, requestSent: false }), summary: `credentials: ${code}` };
  }
  const detail = err instanceof Error ? err.message : String(err);
  return {
    ok: false,
    classification: { kind: 'auth', code: 'AUTH_HEADERS_FAILED', ...describe('AUTH_HEADERS_FAILED', { detail }) },
    summary: 'credentials unavailable',
  };
}
