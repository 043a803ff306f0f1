// GET /metrics (DESIGN §8, §10): the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` before
// each family, label values escaped, histograms as cumulative `_bucket{le}` series ending in
// `+Inf`, with `_sum` and `_count`. Read from the store on each scrape: no state of its own.
import type { MetricsSnapshot, Distribution } from '../store/metrics.js';
import type { StatusResponse } from './contract.js';
import { OPEN_DELIVERY_STATES } from '../store/states.js';
import { ACK_TIME_BOUNDS_MS, type CommitStats, type MllpListenerStats } from '../../connectors/sources/mllp/listener.js';

/** One MLLP listener's counters, as its thread reported them. */
export interface IntakeStats {
  source: string;
  stats: MllpListenerStats;
  commits: CommitStats;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Histogram bounds (ms): from a fast local store to a record waiting hours for conversion. */
export const METRIC_BOUNDS_MS = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000] as const;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

class Exposition {
  private readonly lines: string[] = [];
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }
  sample(name: string, l: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(l)} ${num(value)}`);
    return this;
  }
  histogram(name: string, l: Record<string, string>, d: Distribution, boundsMs: readonly number[]): this {
    boundsMs.forEach((b, i) => this.sample(`${name}_bucket`, { ...l, le: num(b / 1000) }, d.counts[i] ?? 0));
    this.sample(`${name}_bucket`, { ...l, le: '+Inf' }, d.count);
    this.sample(`${name}_sum`, l, d.sumMs / 1000);
    return this.sample(`${name}_count`, l, d.count);
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** What each MLLP listener did: what a lab analyzer waited for its ACK, and what became of its frames. */
function renderIntake(x: Exposition, intake: readonly IntakeStats[]): void {
  x.family('vhr_mllp_ack_seconds', 'histogram', "Time from a message's last byte to its ACK being written, by MLLP source (commit first, then ACK).");
  for (const { source, stats } of intake) {
    const t = stats.ackTime;
    let cumulative = 0;
    const counts = ACK_TIME_BOUNDS_MS.map((_, i) => (cumulative += t.counts[i] ?? 0));
    x.histogram('vhr_mllp_ack_seconds', { source }, { key: source, counts, count: t.count, sumMs: t.sumMs }, ACK_TIME_BOUNDS_MS);
  }
  x.family('vhr_mllp_frames_total', 'counter', 'MLLP frames by what became of them: stored, stored_invalid (kept, cannot be parsed), duplicate, refused, oversize, store_failed.');
  for (const { source, stats: s } of intake) {
    const outcomes = { stored: s.stored, stored_invalid: s.storedInvalid, duplicate: s.duplicates, refused: s.refused, oversize: s.oversize, store_failed: s.storeFailures };
    for (const [outcome, n] of Object.entries(outcomes)) x.sample('vhr_mllp_frames_total', { source, outcome }, n);
  }
  x.family('vhr_mllp_connections', 'gauge', 'Open MLLP connections, by source.');
  for (const { source, stats } of intake) x.sample('vhr_mllp_connections', { source }, stats.connectionsOpen);
  x.family('vhr_mllp_commits_total', 'counter', 'Commits of MLLP messages (several messages may share one fsync), by source.');
  for (const { source, commits } of intake) x.sample('vhr_mllp_commits_total', { source }, commits.batches);
}

export function renderMetrics(snapshot: MetricsSnapshot, status: StatusResponse, boundsMs: readonly number[] = METRIC_BOUNDS_MS, intake: readonly IntakeStats[] = []): string {
  const x = new Exposition();
  x.family('vhr_agent_info', 'gauge', 'The agent: version and facility (MA_CSKCB); always 1.');
  x.sample('vhr_agent_info', { version: status.version, facility: status.facility.code }, 1);

  x.family('vhr_records', 'gauge', 'Records by state: received (waiting for conversion), converted, invalid.');
  for (const s of snapshot.states.filter((s) => s.scope === 'message')) x.sample('vhr_records', { state: s.state }, s.n);

  x.family('vhr_records_received_total', 'counter', 'Records received, by source.');
  for (const s of snapshot.states.filter((s) => s.scope === 'source')) x.sample('vhr_records_received_total', { source: s.key }, s.n);

  x.family('vhr_deliveries', 'gauge', 'Deliveries (one record at one destination) by destination and state.');
  for (const s of snapshot.states.filter((s) => s.scope === 'delivery')) x.sample('vhr_deliveries', { destination: s.key, state: s.state }, s.n);

  x.family('vhr_queue_depth', 'gauge', 'Records still owed to each destination (pending, in flight, waiting to retry or paused).');
  const depth = new Map<string, number>(status.destinations.map((d) => [d.id, 0]));
  for (const s of snapshot.states.filter((s) => s.scope === 'delivery' && (OPEN_DELIVERY_STATES as readonly string[]).includes(s.state))) {
    depth.set(s.key, (depth.get(s.key) ?? 0) + s.n);
  }
  for (const [destination, n] of depth) x.sample('vhr_queue_depth', { destination }, n);

  x.family('vhr_conversion_queue_depth', 'gauge', 'Records received and not yet converted.');
  x.sample('vhr_conversion_queue_depth', {}, snapshot.states.find((s) => s.scope === 'message' && s.state === 'received')?.n ?? 0);

  x.family('vhr_destination_up', 'gauge', 'The destination state as the agent sees it: 1 for the current state, one series per destination.');
  for (const d of status.destinations) x.sample('vhr_destination_up', { destination: d.id, state: d.state }, 1);

  x.family('vhr_delivery_ack_seconds', 'histogram', "Time until the store acknowledged a successful delivery request, by destination.");
  for (const d of snapshot.ackLatency) x.histogram('vhr_delivery_ack_seconds', { destination: d.key }, d, boundsMs);

  x.family('vhr_convert_seconds', 'histogram', 'Time from receipt to conversion of a record, by input format.');
  for (const d of snapshot.convertTime) x.histogram('vhr_convert_seconds', { format: d.key }, d, boundsMs);

  if (intake.length) renderIntake(x, intake);
  return x.text();
}
