// The requests that deliver one record's Bundle to a store (DESIGN §6, §10
// `maxEntriesPerRequest`). Pure: the same record and limit always give the same parts.
//
// - transaction, record within the limit: one request, the Bundle as it is.
// - transaction, record over the limit: several transactions in dependency order, each
//   within the limit. A reference to an entry of another part becomes the literal `Type/id`
//   that entry is PUT at (ids are deterministic, DESIGN §4.6), which the store holds by then.
// - batch: entries are independent, so every reference to another entry is literal and
//   entries come after what they point at. Entries that point at each other in a cycle
//   cannot be written one by one; each such group goes as a small transaction of its own.
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { dependencyOrder, entryIdentity, entryResolver, forEachReference } from './dependencyOrder.js';
import type { EntryGroup } from './dependencyOrder.js';

export type PlanMode = 'transaction' | 'batch';

export interface PlanOptions {
  mode: PlanMode;
  /** Most entries one request may carry; no limit when absent. */
  maxEntriesPerRequest?: number;
}

export interface RequestPart {
  /** What to POST to the base: a transaction or batch Bundle. */
  bundle: Bundle;
  /** For each entry of `bundle`, its index in the record's Bundle (to read a response entry by entry). */
  entryIndexes: number[];
}

export type RequestPlan =
  | { ok: true; parts: RequestPart[] }
  | {
      ok: false;
      /** Stable code: CYCLE_OVER_LIMIT, NO_LITERAL_IDENTITY, BAD_LIMIT. */
      code: 'CYCLE_OVER_LIMIT' | 'NO_LITERAL_IDENTITY' | 'BAD_LIMIT';
      message: string;
      messageVi: string;
    };

export function planRequests(record: Bundle, opts: PlanOptions): RequestPlan {
  const limit = opts.maxEntriesPerRequest;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    return {
      ok: false,
      code: 'BAD_LIMIT',
      message: `maxEntriesPerRequest must be a whole number of entries, 1 or more (got ${limit})`,
      messageVi: `maxEntriesPerRequest phải là số nguyên từ 1 trở lên (đang là ${limit})`,
    };
  }
  const entries = record.entry ?? [];
  if (opts.mode === 'transaction' && (limit === undefined || entries.length <= limit)) {
    return { ok: true, parts: [{ bundle: record, entryIndexes: entries.map((_, i) => i) }] };
  }
  const groups = dependencyOrder(entries);
  const oversized = groups.find((g) => limit !== undefined && g.entries.length > limit);
  if (oversized) {
    const n = oversized.entries.length;
    return {
      ok: false,
      code: 'CYCLE_OVER_LIMIT',
      message: `${n} entries point at each other in a cycle and must go in one transaction, but the store takes at most ${limit} entries per request`,
      messageVi: `${n} mục tham chiếu vòng lẫn nhau nên phải gửi trong cùng một giao dịch, nhưng máy chủ chỉ nhận tối đa ${limit} mục mỗi yêu cầu`,
    };
  }
  const layout = opts.mode === 'transaction' ? transactionLayout(groups, limit!) : batchLayout(groups, limit);
  const identities = entries.map(entryIdentity);
  const partOf = new Array<number>(entries.length);
  layout.forEach((part, p) => part.entries.forEach((i) => (partOf[i] = p)));
  const resolve = entryResolver(entries);

  const parts: RequestPart[] = [];
  for (const [p, part] of layout.entries()) {
    const out: BundleEntry[] = [];
    for (const i of part.entries) {
      const entry = structuredClone(entries[i]!);
      let missing: string | undefined;
      forEachReference(entry.resource, (reference, holder) => {
        const target = resolve(reference);
        if (target === undefined) return;
        // Inside one transaction the store resolves the entry's own fullUrl; anywhere
        // else only a literal reference names what an earlier request stored.
        if (part.type === 'transaction' && partOf[target] === p) return;
        const literal = identities[target];
        if (literal) holder.reference = literal;
        else missing = reference;
      });
      if (missing) {
        return {
          ok: false,
          code: 'NO_LITERAL_IDENTITY',
          message: `an entry points at ${missing}, which has no Type/id of its own, so it cannot be sent in a separate request`,
          messageVi: `một mục tham chiếu tới ${missing} nhưng mục đó không có Type/id riêng, nên không thể gửi trong yêu cầu riêng`,
        };
      }
      out.push(entry);
    }
    parts.push({ bundle: { ...record, type: part.type, entry: out }, entryIndexes: part.entries });
  }
  return { ok: true, parts };
}

interface PartLayout {
  type: PlanMode;
  entries: number[];
}

/** Fills each transaction up to the limit, groups kept whole and in order. */
function transactionLayout(groups: EntryGroup[], limit: number): PartLayout[] {
  const parts: PartLayout[] = [];
  let current: number[] = [];
  for (const group of groups) {
    if (current.length > 0 && current.length + group.entries.length > limit) {
      parts.push({ type: 'transaction', entries: current });
      current = [];
    }
    current.push(...group.entries);
  }
  if (current.length > 0) parts.push({ type: 'transaction', entries: current });
  return parts;
}

/** Batches of single entries in order, up to the limit; a cyclic group as a transaction between them. */
function batchLayout(groups: EntryGroup[], limit: number | undefined): PartLayout[] {
  const parts: PartLayout[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length > 0) parts.push({ type: 'batch', entries: current });
    current = [];
  };
  for (const group of groups) {
    if (group.cyclic) {
      flush();
      parts.push({ type: 'transaction', entries: group.entries });
      continue;
    }
    if (limit !== undefined && current.length >= limit) flush();
    current.push(...group.entries);
  }
  flush();
  return parts;
}
