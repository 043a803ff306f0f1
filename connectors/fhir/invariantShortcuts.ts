// Cheap sufficient conditions for the invariants met most often in claim bundles. Each one
// answers "certainly holds" from a glance at the JSON; anything else — including every
// violation — is left to the FHIRPath expression, which alone decides and words the issue.
// So a shortcut can only save time, never change a verdict, as long as it never says "holds"
// where FHIRPath would not (invariantShortcuts.test.ts checks this against FHIRPath).

type Json = Record<string, unknown>;
/** `value` is the element the invariant sits on (for resource-level ones, the resource). */
export type Shortcut = (value: Json) => boolean;

function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.every((x) => x === null || x === undefined));
}

function entries(bundle: Json): Json[] | undefined {
  const e = bundle.entry;
  if (e === undefined) return [];
  if (!Array.isArray(e) || !e.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) return undefined;
  return e as Json[];
}

function hasKeyStarting(obj: Json, prefix: RegExp): boolean {
  return Object.keys(obj).some((k) => prefix.test(k));
}

/** bdl-3 / bdl-4: every entry has `part` exactly when the Bundle type is one of `types`. */
function entryPartMatchesType(part: 'request' | 'response', types: readonly string[]): Shortcut {
  return (bundle) => {
    if (typeof bundle.type !== 'string' || bundle._type !== undefined) return false;
    const list = entries(bundle);
    const wanted = types.includes(bundle.type);
    return list !== undefined && list.every((e) => present(e[part]) === wanted);
  };
}

export const SHORTCUTS: Readonly<Record<string, Shortcut>> = {
  // extension.exists() != value.exists()
  'ext-1': (ext) => present(ext.extension) !== hasKeyStarting(ext, /^_?value[A-Z]/),
  // contained.contained.empty() / contained.meta.….empty(): nothing contained, nothing to break.
  'dom-2': (r) => r.contained === undefined,
  'dom-4': (r) => r.contained === undefined,
  'dom-5': (r) => r.contained === undefined,
  // total.empty() or …
  'bdl-1': (b) => b.total === undefined && b._total === undefined,
  // entry.search.empty() or …
  'bdl-2': (b) => entries(b)?.every((e) => e.search === undefined) ?? false,
  'bdl-3': entryPartMatchesType('request', ['batch', 'transaction', 'history']),
  'bdl-4': entryPartMatchesType('response', ['batch-response', 'transaction-response', 'history']),
  // (type = 'history') or entry.where(fullUrl.exists()).select(fullUrl & resource.meta.versionId).isDistinct()
  'bdl-7': (b) => {
    if (b.type === 'history') return true;
    const list = entries(b);
    if (!list) return false;
    const seen = new Set<string>();
    for (const e of list) {
      if (e._fullUrl !== undefined) return false;
      if (e.fullUrl === undefined) continue;
      if (typeof e.fullUrl !== 'string') return false;
      const meta = (e.resource as Json | undefined)?.meta as Json | undefined;
      const version = meta?.versionId;
      if (version !== undefined && typeof version !== 'string') return false;
      const key = e.fullUrl + (version ?? '');
      if (seen.has(key)) return false;
      seen.add(key);
    }
    return true;
  },
  // resource.exists() or request.exists() or response.exists()
  'bdl-5': (e) => present(e.resource) || present(e.request) || present(e.response),
  // fullUrl.exists() implies fullUrl.contains('/_history/').not()
  'bdl-8': (e) => e._fullUrl === undefined && (e.fullUrl === undefined || (typeof e.fullUrl === 'string' && !e.fullUrl.includes('/_history/'))),
  // type = 'document' implies … / type = 'message' implies …
  'bdl-9': (b) => typeof b.type === 'string' && b.type !== 'document',
  'bdl-10': (b) => typeof b.type === 'string' && b.type !== 'document',
  'bdl-11': (b) => typeof b.type === 'string' && b.type !== 'document',
  'bdl-12': (b) => typeof b.type === 'string' && b.type !== 'message',
  // abatement.empty() or …
  'con-4': (c) => !hasKeyStarting(c, /^_?abatement[A-Z]/),
  // … or clinicalStatus.empty()
  'con-5': (c) => c.clinicalStatus === undefined,
  // orderDetail.empty() or code.exists()
  'prr-1': (r) => r.orderDetail === undefined,
  // dataAbsentReason.empty() or value.empty()
  'obs-6': (o) => o.dataAbsentReason === undefined && o._dataAbsentReason === undefined,
  // value.empty() or component.code.where(…).empty()
  'obs-7': (o) => !hasKeyStarting(o, /^_?value[A-Z]/) || o.component === undefined,
};
