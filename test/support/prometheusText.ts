// A strict reader of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), written from the format's
// description and independent of the agent's writer: it throws on anything a Prometheus server
// would refuse or misread (bad names, unescaped label values, a TYPE after its samples, a family
// split in two, a histogram without +Inf or with buckets that decrease, _count ≠ +Inf bucket).
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: value ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** Label set `{a="x",b="y"}` starting at `text[0] === '{'`; returns the labels and the rest. */
function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value must be quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${n ?? ''} in label value`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected ',' or '}' after a label`);
  }
}

/** The family a sample belongs to: histogram samples carry _bucket, _sum and _count suffixes. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  if (families.has(name)) return families.get(name);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // an ordinary comment
      const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
      let f = families.get(name);
      if (!f) {
        if (current) closed.add(current.name);
        f = { name, type: 'untyped', samples: [] };
        families.set(name, f);
        current = f;
      } else if (f !== current) throw new Error(`line ${line}: family ${name} interleaved with another`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${JSON.stringify(rest)}`);
        if (f.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        f.type = rest as Family['type'];
      } else {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new Error(`line ${line}: a sample must start with a metric name: ${JSON.stringify(raw)}`);
    const name = nameMatch[0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(' ');
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected ' value [timestamp]' after the labels`);
    const value = parseValue(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp`);
    let f = familyOf(name, families);
    if (!f) {
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
      if (current) closed.add(current.name);
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
      current = f;
    } else if (f !== current) throw new Error(`line ${line}: sample of ${f.name} outside its family's block`);
    if (f.type === 'histogram' && name === `${f.name}_bucket` && labels.le === undefined) throw new Error(`line ${line}: histogram bucket without le`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples) series.set(keyOf(s.labels), [...(series.get(keyOf(s.labels)) ?? []), s]);
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`).map((s) => ({ le: parseValue(s.labels.le!, 0), v: s.value }));
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`) || !count) throw new Error(`${f.name}${key}: histogram without _sum or _count`);
    if (buckets.at(-1)?.le !== Infinity) throw new Error(`${f.name}${key}: histogram without a +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]!.le > buckets[i - 1]!.le)) throw new Error(`${f.name}${key}: bucket bounds not increasing`);
      if (buckets[i]!.v < buckets[i - 1]!.v) throw new Error(`${f.name}${key}: bucket counts decrease`);
    }
    if (buckets.at(-1)!.v !== count.value) throw new Error(`${f.name}${key}: _count ${count.value} ≠ +Inf bucket ${buckets.at(-1)!.v}`);
  }
}

/** The value of the one sample with this name and these labels (a subset match), or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    if (s) return s.value;
  }
  return undefined;
}
