// The order a record's entries must reach a store in when they cannot all go in one
// transaction (DESIGN §6): what an entry points at is written before it. Computed from the
// references themselves; the usual order of a record (Organization, Location, Practitioner,
// Patient, RelatedPerson, Coverage, Encounter, then what points at them) only breaks ties.
// Pure: no I/O.
import type { BundleEntry } from '@medplum/fhirtypes';

/** Resource types in the order they are written when nothing else decides; the rest follow. */
export const DEPENDENCY_ORDER = ['Organization', 'Location', 'Practitioner', 'Patient', 'RelatedPerson', 'Coverage', 'Encounter'] as const;

const LITERAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Entries that must be written together, in the order the groups must be written. A group
 * has one entry unless entries point at each other in a cycle (an Encounter listing its
 * diagnoses, each Condition naming the Encounter): such a group can only be written by
 * one transaction.
 */
export interface EntryGroup {
  /** Indexes into the record's `entry` array, in tie-break order. */
  entries: number[];
  /** Entries of the group point at each other: they cannot be written one after another. */
  cyclic: boolean;
}

/** `Type/id` an entry writes: its PUT URL, or its resource's type and id. */
export function entryIdentity(entry: BundleEntry): string | undefined {
  const url = entry.request?.url?.replace(/^\/+/, '');
  const fromUrl = url && !url.includes('?') ? LITERAL.exec(url) : null;
  if (fromUrl) return `${fromUrl[1]}/${fromUrl[2]}`;
  const resource = entry.resource;
  return resource?.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

/** Calls `visit` with every Reference.reference string inside a value (contained resources included). */
export function forEachReference(value: unknown, visit: (reference: string, holder: { reference?: unknown }) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) forEachReference(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') visit(child, value as { reference?: unknown });
    else forEachReference(child, visit);
  }
}

/** Resolves a reference string to the index of the entry it names, if it names one of them. */
export function entryResolver(entries: readonly BundleEntry[]): (reference: string) => number | undefined {
  const byName = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (entry.fullUrl) byName.set(entry.fullUrl, i);
    const identity = entryIdentity(entry);
    if (identity && !byName.has(identity)) byName.set(identity, i);
  });
  return (reference) => {
    const direct = byName.get(reference);
    if (direct !== undefined) return direct;
    // An absolute URL ending in Type/id (the store's own base) names that entry too.
    const tail = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
    return tail && /^https?:\/\//i.test(reference) ? byName.get(tail[1]!) : undefined;
  };
}

/** For each entry, the entries it points at (itself left out). */
export function entryDependencies(entries: readonly BundleEntry[]): Set<number>[] {
  const resolve = entryResolver(entries);
  return entries.map((entry, i) => {
    const targets = new Set<number>();
    forEachReference(entry.resource, (reference) => {
      const target = resolve(reference);
      if (target !== undefined && target !== i) targets.add(target);
    });
    return targets;
  });
}

function typeRank(entry: BundleEntry): number {
  const rank = (DEPENDENCY_ORDER as readonly string[]).indexOf(entry.resource?.resourceType ?? '');
  return rank < 0 ? DEPENDENCY_ORDER.length : rank;
}

/**
 * Groups of entries in an order where every group comes after all it points at: the
 * strongly connected components of the reference graph (Tarjan), sorted topologically
 * (Kahn), the ready group with the lowest type rank, then the lowest position, first.
 */
export function dependencyOrder(entries: readonly BundleEntry[]): EntryGroup[] {
  const deps = entryDependencies(entries);
  const components = stronglyConnected(deps);
  const componentOf = new Array<number>(entries.length);
  components.forEach((members, c) => members.forEach((i) => (componentOf[i] = c)));

  const key = (i: number): [number, number] => [typeRank(entries[i]!), i];
  const before = (a: number, b: number) => {
    const [ra, ia] = key(a);
    const [rb, ib] = key(b);
    return ra !== rb ? ra - rb : ia - ib;
  };
  const sortedMembers = components.map((members) => [...members].sort(before));

  // Edges between components: c waits for every component it points at.
  const waitsFor = components.map(() => new Set<number>());
  const unblocks = components.map(() => new Set<number>());
  deps.forEach((targets, i) => {
    for (const t of targets) {
      const from = componentOf[i]!;
      const to = componentOf[t]!;
      if (from === to) continue;
      waitsFor[from]!.add(to);
      unblocks[to]!.add(from);
    }
  });
  const pending = waitsFor.map((s) => s.size);
  const ready: number[] = [];
  const order: EntryGroup[] = [];
  const leaderOf = (c: number) => sortedMembers[c]![0]!;
  const insertReady = (c: number) => {
    let at = ready.length;
    while (at > 0 && before(leaderOf(ready[at - 1]!), leaderOf(c)) > 0) at--;
    ready.splice(at, 0, c);
  };
  components.forEach((_, c) => pending[c] === 0 && insertReady(c));
  while (ready.length > 0) {
    const c = ready.shift()!;
    const members = sortedMembers[c]!;
    order.push({ entries: members, cyclic: members.length > 1 });
    for (const next of unblocks[c]!) if (--pending[next]! === 0) insertReady(next);
  }
  return order;
}

/** Tarjan's algorithm, iterative (records reach thousands of entries). */
function stronglyConnected(deps: readonly Set<number>[]): number[][] {
  const n = deps.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  const adjacency = deps.map((s) => [...s]);
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = adjacency[frame.node]!;
      if (frame.next < edges.length) {
        const w = edges[frame.next++]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push({ node: w, next: 0 });
        } else if (onStack[w]) {
          low[frame.node] = Math.min(low[frame.node]!, index[w]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
      if (low[frame.node] === index[frame.node]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          members.push(w);
        } while (w !== frame.node);
        components.push(members);
      }
    }
  }
  return components;
}
