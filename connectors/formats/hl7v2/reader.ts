// Read access to a parsed HL7v2 message that remembers which fields a mapping consumed, so
// that what no mapping read can be reported on the record (STYLE habit 7) without keeping a
// hand-written list of mapped fields in sync with the code.
import type { Hl7Message, Hl7Segment } from '@medplum/core';

/** One repetition of a field: components (1-based), each possibly with subcomponents. */
export class Rep {
  constructor(
    private readonly components: readonly string[],
    private readonly sub: string,
    private readonly unescape: (s: string) => string,
  ) {}

  /** Component `c` (1-based), subcomponent `s` (1-based), unescaped and trimmed. */
  c(c: number, s = 1): string {
    const comp = this.components[c - 1] ?? '';
    const part = s === 1 && !comp.includes(this.sub) ? comp : (comp.split(this.sub)[s - 1] ?? '');
    return this.unescape(part).trim();
  }

  /** Component `c` with all its subcomponents, joined by a space (SAD street & name & number). */
  whole(c: number): string {
    const comp = this.components[c - 1] ?? '';
    return comp
      .split(this.sub)
      .map((part) => this.unescape(part).trim())
      .filter(Boolean)
      .join(' ');
  }

  /** True when every component is empty. */
  get empty(): boolean {
    return this.components.every((x) => x.trim() === '');
  }
}

export class Seg {
  constructor(
    readonly name: string,
    /** Position of the segment in the message (0 = MSH). */
    readonly position: number,
    private readonly segment: Hl7Segment,
    private readonly used: Set<number>,
    private readonly unescape: (s: string) => string,
  ) {}

  /** Every non-empty repetition of field `n`. */
  reps(n: number): Rep[] {
    this.used.add(n);
    const field = this.segment.fields[this.indexOf(n)];
    if (!field) return [];
    return field.components.map((comps) => new Rep(comps, this.segment.context.subcomponentSeparator, this.unescape)).filter((r) => !r.empty);
  }

  /** First repetition of field `n`, or an empty one. */
  rep(n: number): Rep {
    return this.reps(n)[0] ?? new Rep([], this.segment.context.subcomponentSeparator, this.unescape);
  }

  /** Component `c` of the first repetition of field `n`. */
  get(n: number, c = 1, s = 1): string {
    return this.rep(n).c(c, s);
  }

  /** Field numbers that carry a value, for the not-mapped report. */
  valuedFields(): number[] {
    const out: number[] = [];
    this.segment.fields.forEach((f, i) => {
      if (i > 0 && f.components.some((rep) => rep.some((c) => c.trim() !== ''))) out.push(this.name === 'MSH' ? i + 1 : i);
    });
    return out;
  }

  /** The parser keeps MSH-1 (the field separator) out of the field list: MSH-n is at n - 1. */
  private indexOf(n: number): number {
    return this.name === 'MSH' ? n - 1 : n;
  }
}

/** The message as segments with usage tracking; MSH field numbers follow HL7 (MSH-1 = '|'). */
export class MessageReader {
  readonly segments: Seg[];
  private readonly usage: Set<number>[];

  constructor(readonly message: Hl7Message) {
    const ctx = message.context;
    const unescape = makeUnescape(ctx.escapeCharacter, {
      F: ctx.fieldSeparator,
      S: ctx.componentSeparator,
      T: ctx.subcomponentSeparator,
      R: ctx.repetitionSeparator,
      E: ctx.escapeCharacter,
    });
    this.usage = message.segments.map(() => new Set<number>());
    this.segments = message.segments.map((s, i) => new Seg(s.name, i, s, this.usage[i]!, unescape));
  }

  first(name: string): Seg | undefined {
    return this.segments.find((s) => s.name === name);
  }

  all(name: string): Seg[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** Segments after `from` up to (not including) the next segment whose name is in `stop`. */
  following(from: Seg, names: readonly string[], stop: readonly string[]): Seg[] {
    const out: Seg[] = [];
    for (const s of this.segments.slice(from.position + 1)) {
      if (stop.includes(s.name)) break;
      if (names.includes(s.name)) out.push(s);
    }
    return out;
  }

  /**
   * Segments no mapping touched (`SFT`) and valued fields of touched segments that were not
   * read (`PID-10`), sorted and without repeats.
   */
  notMapped(): string[] {
    const out = new Set<string>();
    for (const seg of this.segments) {
      const used = this.usage[seg.position]!;
      const valued = seg.valuedFields().filter((n) => !(seg.name === 'MSH' && n <= 2) && !(n === 1 && SET_ID_FIRST.has(seg.name)));
      if (used.size === 0) {
        if (valued.length) out.add(seg.name);
        continue;
      }
      for (const n of valued) if (!used.has(n)) out.add(`${seg.name}-${n}`);
    }
    return [...out].sort(compareFieldNames);
  }
}

/** Segments whose field 1 is a set id (a position, not data): never worth reporting. */
const SET_ID_FIRST = new Set(['PID', 'PV1', 'NK1', 'DG1', 'AL1', 'PR1', 'IN1', 'IN2', 'OBX', 'OBR', 'NTE', 'AIS', 'AIG', 'AIL', 'AIP', 'TXA', 'GT1', 'SPM', 'TQ1']);

function compareFieldNames(a: string, b: string): number {
  const [sa, na] = a.split('-');
  const [sb, nb] = b.split('-');
  if (sa !== sb) return sa! < sb! ? -1 : 1;
  return Number(na ?? 0) - Number(nb ?? 0);
}

/** HL7 escape sequences (\F\ \S\ \T\ \R\ \E\ \Xhh..\ \.br\) → text. */
function makeUnescape(esc: string, map: Record<string, string>): (s: string) => string {
  if (!esc) return (s) => s;
  const e = esc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${e}(F|S|T|R|E|X[0-9A-Fa-f]+|\\.br|H|N)${e}`, 'g');
  return (s) =>
    s.includes(esc)
      ? s.replace(re, (_m, code: string) => {
          if (code in map) return map[code]!;
          if (code === '.br') return '\n';
          if (code === 'H' || code === 'N') return ''; // highlighting on/off: formatting only
          return Buffer.from(code.slice(1), 'hex').toString('latin1');
        })
      : s;
}
