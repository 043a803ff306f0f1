// Local configuration + ministry document → the configuration in force (docs/managed-config.md §4).
// The ministry manages destinations, retry, logging, retention, the profile pack and the update feed;
// everything else (facility, dataDir, sources, statusApi, managed) stays the operator's.
// The result goes through the same validateConfig as the local file, so a document can never
// produce a configuration the agent would refuse at start.
import { isAbsolute, relative, resolve } from 'node:path';
import { CONFIG_SCHEMA, eachAnnotated } from '../annotations.js';
import { parseSecretReference } from '../secrets.js';
import { ConfigError, validateConfig, type AgentConfig, type DestinationConfig } from '../schema.js';
import type { ProfilePack } from '../../../connectors/formats/types.js';
import { loadProfilePack, parseProfilePack, ProfilePackError } from '../../../connectors/profile-pack/index.js';
import type { ManagedDestination, ManagedDocument, ManagedSettings, ProfilePackOverlay } from './document.js';

export class MergeError extends Error {
  constructor(readonly problems: string[]) {
    super(`the document does not fit this facility's configuration: ${problems.join('; ')}`);
    this.name = 'MergeError';
  }
}

export interface MergedConfig {
  config: AgentConfig;
  /** The profile pack in force when the document changes it (to be written at `config.profilePack`). */
  pack?: ProfilePack;
  updates?: { url: string; channel: string };
  /** What the operator should know (e.g. a destination moved by the document now has no credentials). */
  warnings: string[];
}

/** Every secret reference the local configuration names (x-secret settings). */
function declaredSecretReferences(local: AgentConfig): Set<string> {
  const refs = new Set<string>();
  eachAnnotated(CONFIG_SCHEMA, local, 'x-secret', (value) => {
    if (typeof value === 'string' && value) refs.add(value);
  });
  return refs;
}

const isInside = (dir: string, path: string) => {
  const rel = relative(resolve(dir), resolve(dir, path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * A signed document names secrets only as this facility already does (docs/security.md): it
 * may reuse a reference the local config declares, never invent one (`env:OTHER_SECRET` would
 * read any variable of the service) and never a `file:` inside the data directory (the keyring,
 * the API token).
 */
function secretProblems(local: AgentConfig, destinations: readonly ManagedDestination[]): string[] {
  const declared = declaredSecretReferences(local);
  const problems: string[] = [];
  eachAnnotated(CONFIG_SCHEMA, { destinations }, 'x-secret', (value, path) => {
    if (typeof value !== 'string') return;
    const id = destinations[Number(path[1])]?.id ?? String(path[1]);
    const where = `destinations "${id}" ${path.slice(2).join('.')}`;
    const parsed = parseSecretReference(value);
    if (parsed.ok && parsed.ref.kind === 'file' && isInside(local.dataDir, parsed.ref.path)) {
      problems.push(`${where}: ${value} is inside the agent's data folder; a ministry document may never name a file there`);
    } else if (!declared.has(value)) {
      problems.push(`${where}: ${value} is not a secret this facility's configuration declares; a ministry document may only reuse the references the local configuration names`);
    }
  });
  return problems;
}

/** A document without `facilities` is for everyone; otherwise only for the listed MA_CSKCB. */
export function appliesTo(doc: ManagedDocument, facilityCode: string): boolean {
  return doc.facilities === undefined || doc.facilities.includes(facilityCode);
}

/** The document's common settings with this facility's override laid over them. */
export function settingsFor(doc: ManagedDocument, facilityCode: string): ManagedSettings {
  const override = doc.overrides?.[facilityCode];
  const common: ManagedSettings = { destinations: doc.destinations, retry: doc.retry, logging: doc.logging, retention: doc.retention, profilePack: doc.profilePack, updates: doc.updates };
  if (!override) return common;
  return {
    destinations: mergeDestinationLists(common.destinations, override.destinations),
    retry: override.retry || common.retry ? { ...common.retry, ...override.retry } : undefined,
    logging: override.logging || common.logging ? { ...common.logging, ...override.logging } : undefined,
    retention: override.retention || common.retention ? { ...common.retention, ...override.retention } : undefined,
    profilePack: common.profilePack && override.profilePack ? overlayPack(common.profilePack, override.profilePack) : (override.profilePack ?? common.profilePack),
    updates: override.updates ?? common.updates,
  };
}

function mergeDestinationLists(a: ManagedDestination[] | undefined, b: ManagedDestination[] | undefined): ManagedDestination[] | undefined {
  if (!a || !b) return b ?? a;
  const out = a.map((d) => ({ ...d }));
  for (const d of b) {
    const i = out.findIndex((x) => x.id === d.id);
    if (i >= 0) out[i] = { ...out[i]!, ...d };
    else out.push({ ...d });
  }
  return out;
}

/** Section-wise overlay: keys named in `top` replace the same keys of `base`; the rest stays. */
function overlayPack<T extends ProfilePackOverlay>(base: T, top: ProfilePackOverlay): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(top)) {
    if (k === 'codeMaps') {
      const maps = { ...((base.codeMaps ?? {}) as Record<string, Record<string, string>>) };
      for (const [name, m] of Object.entries(v as Record<string, Record<string, string>>)) maps[name] = { ...maps[name], ...m };
      out.codeMaps = maps;
    } else if (typeof v === 'object' && v !== null) out[k] = { ...((base as Record<string, unknown>)[k] as object | undefined), ...v };
    else out[k] = v;
  }
  return out as T;
}

/**
 * Builds the configuration in force. `packPath` is where the merged profile pack will be
 * written when the document changes the pack. Throws MergeError naming the keys at fault.
 */
export function mergeManaged(local: AgentConfig, doc: ManagedDocument, packPath: string): MergedConfig {
  const s = settingsFor(doc, local.facility.code);
  const problems: string[] = [];

  const warnings: string[] = [];
  problems.push(...secretProblems(local, s.destinations ?? []));
  const destinations: Record<string, unknown>[] = local.destinations.map((d) => ({ ...d }));
  for (const d of s.destinations ?? []) {
    const i = destinations.findIndex((x) => x.id === d.id);
    if (i >= 0) {
      const before = destinations[i]!;
      destinations[i] = { ...before, ...d };
      // Credentials belong to a host: a document that moves a destination elsewhere brings the
      // credentials for the new host, or the old ones are not sent there.
      if (d.baseUrl !== undefined && d.baseUrl !== before.baseUrl && d.auth === undefined) {
        const tls = { ...(destinations[i]!.tls as Record<string, unknown> | undefined) };
        delete tls.certFile;
        delete tls.keyFile;
        delete tls.keyPassphrase;
        const moved: Record<string, unknown> = { ...destinations[i], auth: { type: 'none' }, tls };
        if (Object.keys(tls).length === 0) delete moved.tls;
        destinations[i] = moved;
        warnings.push(
          `destinations "${d.id}": the document moves it to ${d.baseUrl} without credentials for that address, so this facility's credentials are not sent there; it now has none (auth none) until a document or the local configuration gives them`,
        );
      }
    }
    else if (d.baseUrl === undefined) problems.push(`destinations: "${d.id}" is not a destination of this facility, so its baseUrl is required to add it`);
    else destinations.push({ type: 'fhir', ...d });
  }

  let pack: ProfilePack | undefined;
  if (s.profilePack) {
    try {
      // The overlay lies over the pack the operator would use without the ministry.
      const base = loadProfilePack(local.profilePack);
      pack = parseProfilePack(overlayPack({ ...base, version: s.profilePack.version ?? `${base.version}+managed.${doc.version}` }, s.profilePack), 'profilePack');
    } catch (err) {
      if (!(err instanceof ProfilePackError)) throw err;
      problems.push(err.message);
    }
  }

  const raw = {
    ...(JSON.parse(JSON.stringify(local)) as Record<string, unknown>),
    destinations,
    retry: { ...local.retry, ...s.retry },
    logging: { ...local.logging, ...s.logging },
    retention: { ...local.retention, ...s.retention },
    profilePack: pack ? packPath : local.profilePack,
  };
  let config: AgentConfig | undefined;
  try {
    config = validateConfig(raw, (p) => (isAbsolute(p) ? p : resolve(local.dataDir, p)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Merged indexes mean nothing to the document's author: name the destination by id.
    problems.push(...err.problems.map((p) => p.replace(/^destinations\[(\d+)\]/, (m, i: string) => `destinations "${String(destinations[Number(i)]?.id ?? i)}"`)));
  }
  if (problems.length || !config) throw new MergeError(problems);
  return { config, pack, updates: s.updates ? { url: s.updates.url, channel: s.updates.channel ?? 'latest' } : undefined, warnings };
}

/** Destinations added, removed or changed in any setting between two configurations. */
export function changedDestinationIds(before: readonly DestinationConfig[], after: readonly DestinationConfig[]): string[] {
  const old = new Map(before.map((d) => [d.id, JSON.stringify(d)]));
  const changed = after.filter((d) => old.get(d.id) !== JSON.stringify(d)).map((d) => d.id);
  const removed = before.filter((d) => !after.some((a) => a.id === d.id)).map((d) => d.id);
  return [...changed, ...removed];
}
