// Checks across keys that a JSON Schema cannot say plainly (DESIGN §7, §9): unique ids, URLs,
// certificate pairs, secret references and the refusal to turn TLS verification off. They run
// on the document after ajv has filled the defaults; each problem names its key path.
import { CONFIG_SCHEMA, eachAnnotated, formatPath, type PathSegment } from './annotations.js';
import type { Problem } from './problems.js';
import { looksLikeSecretReference, parseSecretReference } from './secrets.js';
import { parseCidr } from '../../connectors/sources/mllp/allowList.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Switches other HTTP clients offer for skipping certificate checks, compared without case
 * or punctuation. Named so that the refusal explains itself instead of "unknown key".
 */
const VERIFY_OFF_KEYS = new Set([
  'rejectunauthorized',
  'insecure',
  'insecureskipverify',
  'skipverify',
  'skiptlsverify',
  'noverify',
  'verify',
  'verifyserver',
  'verifypeer',
  'verifyhostname',
  'sslverify',
  'tlsverify',
  'strictssl',
  'checkserveridentity',
  'allowselfsigned',
  'allowinsecure',
  'allowunauthorized',
  'ignorecertificateerrors',
  'trustallcertificates',
]);
const VERIFY_OFF_REASON =
  'TLS certificate verification is always on and cannot be turned off: the agent sends health records, which are sensitive personal data (Law 91/2025). To trust a private or self-signed certificate, give its CA certificate in tls.caFile';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A key that would turn certificate checks off: refused with the reason, never "unknown key". */
export const isVerifyOffKey = (key: string): boolean => VERIFY_OFF_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, ''));

export function crossKeyProblems(doc: Obj, skip: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PathSegment[], message: string) => problems.push({ path, message });

  const ids = new Set<string>();
  const checkId = (id: unknown, path: PathSegment[]) => {
    if (typeof id !== 'string' || !id) return;
    if (ids.has(id)) add(path, `"${id}" is used twice; every source and destination needs its own id`);
    ids.add(id);
  };
  if (Array.isArray(doc.sources))
    doc.sources.forEach((s, i) => {
      if (!isObj(s)) return;
      checkId(s.id, ['sources', i, 'id']);
      if (Array.isArray(s.allow))
        s.allow.forEach((entry, j) => {
          try {
            parseCidr(String(entry));
          } catch (err) {
            add(['sources', i, 'allow', j], (err as Error).message);
          }
        });
    });
  if (Array.isArray(doc.destinations))
    doc.destinations.forEach((d, i) => {
      if (!isObj(d)) return;
      checkId(d.id, ['destinations', i, 'id']);
      destinationProblems(d, ['destinations', i], add);
    });

  const webhookUrl = isObj(doc.alerts) ? text(doc.alerts.webhookUrl) : undefined;
  if (webhookUrl && !URL.canParse(webhookUrl)) add(['alerts', 'webhookUrl'], `is not a URL: ${JSON.stringify(webhookUrl)}`);
  const retry = isObj(doc.retry) ? doc.retry : {};
  if (typeof retry.maxDelayMs === 'number' && typeof retry.baseDelayMs === 'number' && retry.maxDelayMs < retry.baseDelayMs) {
    add(['retry', 'maxDelayMs'], 'must not be smaller than retry.baseDelayMs');
  }

  // Every setting marked x-secret holds a reference, never the secret (DESIGN §9).
  eachAnnotated(CONFIG_SCHEMA, doc, 'x-secret', (value, path, schema) => {
    if (typeof value !== 'string' || !value || skip.has(formatPath(path))) return;
    if (!looksLikeSecretReference(value)) add(path, `give a reference such as ${String(schema['x-example'] ?? 'env:NAME')}, never the secret itself`);
    else {
      const parsed = parseSecretReference(value);
      if (!parsed.ok) add(path, parsed.problem);
    }
  });
  return problems;
}

function destinationProblems(d: Obj, p: PathSegment[], add: (path: PathSegment[], message: string) => void): void {
  const refuseVerifyOff = (o: Obj, at: PathSegment[]) => {
    for (const key of Object.keys(o)) if (isVerifyOffKey(key)) add([...at, key], VERIFY_OFF_REASON);
  };
  refuseVerifyOff(d, p);
  const auth = isObj(d.auth) ? d.auth : { type: 'none' };
  const tls = isObj(d.tls) ? d.tls : undefined;
  if (isObj(d.auth)) refuseVerifyOff(d.auth, [...p, 'auth']);
  if (tls) refuseVerifyOff(tls, [...p, 'tls']);

  const baseUrl = text(d.baseUrl) ?? '';
  if (baseUrl) {
    if (!URL.canParse(baseUrl)) add([...p, 'baseUrl'], `is not a URL: ${JSON.stringify(baseUrl)}`);
    else if (!['http:', 'https:'].includes(new URL(baseUrl).protocol)) add([...p, 'baseUrl'], 'must start with https:// (or http:// on a trusted network)');
  }
  const tokenUrl = auth.type === 'oauth2' ? text(auth.tokenUrl) : undefined;
  if (tokenUrl) checkTokenUrl(tokenUrl, [...p, 'auth', 'tokenUrl'], add);

  if (tls) {
    if (tls.certFile && !tls.keyFile) add([...p, 'tls', 'keyFile'], "is required with certFile (the client certificate's private key)");
    if (tls.keyFile && !tls.certFile) add([...p, 'tls', 'certFile'], 'is required with keyFile (the client certificate)');
    if (tls.keyPassphrase && !tls.keyFile) add([...p, 'tls', 'keyPassphrase'], 'applies only with keyFile');
  }
  if (auth.type === 'mtls' && !(tls?.certFile && tls.keyFile)) {
    add([...p, 'auth'], 'type mtls needs tls.certFile and tls.keyFile (the client certificate is the credential)');
  }
  const httpsSomewhere = baseUrl.startsWith('https:') || (tokenUrl?.startsWith('https:') ?? false);
  if (tls && baseUrl && !httpsSomewhere) add([...p, 'tls'], 'applies to https:// addresses only, and baseUrl is not one');

  if (d.mode === 'operation' && d.operationMode === undefined) {
    add([...p, 'operationMode'], 'is required with mode operation: test while trying the gateway, production to submit claims');
  }
  if (d.mode !== 'operation' && d.operationMode !== undefined) add([...p, 'operationMode'], 'applies only with mode operation');
}

function checkTokenUrl(tokenUrl: string, path: PathSegment[], add: (path: PathSegment[], message: string) => void): void {
  if (!URL.canParse(tokenUrl)) return add(path, `is not a URL: ${JSON.stringify(tokenUrl)}`);
  const u = new URL(tokenUrl);
  if (u.username || u.password) add(path, 'must not hold credentials; give them in clientId and clientSecret');
  // The client secret travels in this request: plain http only on this machine.
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) add(path, 'must start with https:// (the client secret is sent to it)');
  else if (u.protocol !== 'http:' && u.protocol !== 'https:') add(path, 'must start with https://');
}
