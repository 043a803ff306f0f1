// From a destination's configuration to a ready FhirClient: credentials, TLS material and
// delivery mode in one place, so the agent and the connection check build clients the same
// way (DESIGN §6, §9). Building never throws: a problem becomes the client's answer to every
// send, which pauses the destination with a message saying what to fix.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { DestinationConfig } from '../../../main/config/schema.js';
import { resolveSecret as resolveFromSources } from '../../../main/config/secrets.js';
import type { SecretResolver } from '../../../main/config/secrets.js';
import { bearerAuth, noAuth } from './auth.js';
import type { AuthProvider } from './auth.js';
import type { Classification } from './classify.js';
import { FhirClient, httpsOptions } from './client.js';
import { describe } from './deliveryCodes.js';
import { OAuth2ClientCredentials } from './oauth2.js';
import { loadTlsMaterial } from './tlsFiles.js';
import type { TlsMaterial } from './tlsFiles.js';

export interface DestinationDeps {
  /** Secret references to values; default: env, file and the OS keychain (main/config/secrets.ts). */
  resolveSecret?: SecretResolver;
  /** Clock for token lifetimes, ms since the epoch (default Date.now). */
  now?: () => number;
}

export interface DestinationParts {
  client: FhirClient;
  auth: AuthProvider;
  /** TLS material as loaded, for checks that open their own connections. */
  tls: TlsMaterial;
  setupFailure?: Classification;
}

/** The client the delivery worker uses for this destination. */
export function createDestinationClient(cfg: DestinationConfig, deps: DestinationDeps = {}): FhirClient {
  return buildDestination(cfg, deps).client;
}

export function buildDestination(cfg: DestinationConfig, deps: DestinationDeps = {}): DestinationParts {
  const resolveSecret = deps.resolveSecret ?? ((reference: string) => resolveFromSources(reference));
  const loaded = loadTlsMaterial(cfg.tls, resolveSecret);
  const tls = loaded.ok ? loaded.material : {};
  const setupFailure: Classification | undefined = loaded.ok
    ? undefined
    : { kind: 'misconfigured', code: 'TLS_SETUP_FAILED', ...describe('TLS_SETUP_FAILED', { detail: loaded.detail }) };
  const auth = authFor(cfg, tls, resolveSecret, deps.now ?? Date.now);
  const client = new FhirClient({
    baseUrl: cfg.baseUrl,
    timeoutMs: cfg.timeoutMs,
    mode: cfg.mode,
    ...(cfg.operationMode ? { operationMode: cfg.operationMode } : {}),
    auth,
    tls,
    ...(setupFailure ? { setupFailure } : {}),
  });
  return { client, auth, tls, ...(setupFailure ? { setupFailure } : {}) };
}

function authFor(cfg: DestinationConfig, tls: TlsMaterial, resolveSecret: SecretResolver, now: () => number): AuthProvider {
  const auth = cfg.auth;
  switch (auth.type) {
    case 'none':
    case 'mtls':
      return noAuth;
    case 'bearer':
      return bearerAuth(() => resolveSecret(auth.token));
    case 'oauth2':
      return new OAuth2ClientCredentials({
        tokenUrl: auth.tokenUrl,
        clientId: auth.clientId,
        readClientSecret: () => resolveSecret(auth.clientSecret),
        ...(auth.scope ? { scope: auth.scope } : {}),
        ...(auth.audience ? { audience: auth.audience } : {}),
        clientAuth: auth.clientAuth,
        timeoutMs: cfg.timeoutMs,
        // Same trust and client certificate as the store. No keep-alive: tokens are fetched
        // rarely, and a pooled socket the server has long closed would fail the refresh.
        agent: auth.tokenUrl.startsWith('https:') ? new HttpsAgent({ keepAlive: false, ...httpsOptions(tls) }) : new HttpAgent({ keepAlive: false }),
        now,
      });
  }
}
