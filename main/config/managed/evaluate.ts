// Decides whether a signed document may be applied, without changing anything (docs/
// managed-config.md §6): signature against the pinned key, then schema, facility, version,
// minimum agent version, and finally the merged configuration. Used by the running agent and
// by `vhr-agent config import` when no agent runs, so both refuse exactly the same documents.
import type { AgentConfig } from '../schema.js';
import { parseManagedDocument, ManagedDocumentError, type ManagedDocument } from './document.js';
import { appliesTo, mergeManaged, MergeError, type MergedConfig } from './merge.js';
import { loadPinnedPublicKey, parseSignedDocument, payloadDigest, SignatureError, verifySignedDocument, type SignedDocument } from './signing.js';
import { checkVersion } from './state.js';
import { compareVersions } from './versions.js';

export const RefusalCode = {
  noPinnedKey: 'NO_PINNED_KEY',
  notSigned: 'NOT_SIGNED_DOCUMENT',
  keyUnreadable: 'KEY_UNREADABLE',
  keyMismatch: 'KEY_MISMATCH',
  signatureInvalid: 'SIGNATURE_INVALID',
  notJson: 'PAYLOAD_NOT_JSON',
  schemaInvalid: 'SCHEMA_INVALID',
  notForFacility: 'NOT_FOR_FACILITY',
  versionNotNewer: 'VERSION_NOT_NEWER',
  agentTooOld: 'AGENT_TOO_OLD',
  mergeInvalid: 'MERGE_INVALID',
  applyFailed: 'APPLY_FAILED',
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

export interface EvaluationContext {
  local: AgentConfig;
  agentVersion: string;
  /** The document in force, if any. */
  inForce?: { version: number; digest: string };
  /** Highest version ever applied here (the store's record). */
  highestApplied: number;
  /** Where a merged profile pack of version N is kept. */
  packPath: (version: number) => string;
}

export type Evaluation =
  | {
      ok: true;
      signed: SignedDocument;
      document: ManagedDocument;
      digest: string;
      keyId: string;
      merged: MergedConfig;
      /** The same document as the one in force: nothing to do. */
      alreadyInForce: boolean;
    }
  | { ok: false; code: RefusalCode; reason: string; version: number | null; digest?: string };

export function evaluateDocument(text: string, ctx: EvaluationContext): Evaluation {
  const refuse = (code: RefusalCode, reason: string, version: number | null = null, digest?: string): Evaluation => ({ ok: false, code, reason, version, digest });
  const pinned = ctx.local.managed?.publicKey;
  if (!pinned) return refuse(RefusalCode.noPinnedKey, 'no ministry public key is pinned: set managed.publicKey in the configuration file');

  let signed: SignedDocument;
  let bytes: Buffer;
  try {
    signed = parseSignedDocument(text);
    bytes = verifySignedDocument(signed, loadPinnedPublicKey(pinned));
  } catch (err) {
    if (err instanceof SignatureError) return refuse(err.code as RefusalCode, err.message);
    throw err;
  }
  const digest = payloadDigest(signed);

  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    return refuse(RefusalCode.notJson, `the signed document is not JSON (${(err as Error).message})`, null, digest);
  }
  const claimedVersion = typeof (raw as { version?: unknown })?.version === 'number' ? ((raw as { version: number }).version) : null;
  let document: ManagedDocument;
  try {
    document = parseManagedDocument(raw);
  } catch (err) {
    if (err instanceof ManagedDocumentError) return refuse(RefusalCode.schemaInvalid, err.message, claimedVersion, digest);
    throw err;
  }
  const facility = ctx.local.facility.code;
  if (!appliesTo(document, facility)) {
    return refuse(RefusalCode.notForFacility, `the document is for facilities ${document.facilities!.join(', ')}, not for ${facility}`, document.version, digest);
  }
  const verdict = checkVersion({ version: document.version, digest }, ctx.inForce, ctx.highestApplied);
  if (!verdict.ok) return refuse(RefusalCode.versionNotNewer, verdict.reason, document.version, digest);
  if (document.minAgentVersion && compareVersions(ctx.agentVersion, document.minAgentVersion) < 0) {
    return refuse(
      RefusalCode.agentTooOld,
      `the document needs vhr-agent ${document.minAgentVersion} or later; this is ${ctx.agentVersion}: update the agent, the document will be accepted then`,
      document.version,
      digest,
    );
  }
  let merged: MergedConfig;
  try {
    merged = mergeManaged(ctx.local, document, ctx.packPath(document.version));
  } catch (err) {
    if (err instanceof MergeError) return refuse(RefusalCode.mergeInvalid, err.message, document.version, digest);
    throw err;
  }
  return { ok: true, signed, document, digest, keyId: signed.keyId, merged, alreadyInForce: verdict.alreadyInForce };
}
