// A scripted fault layer in front of one FHIR endpoint: the next matching requests
// fail in a chosen way, then the endpoint behaves normally again. Tests and chaos runs
// use it to reproduce what real provincial stores do (503 during deploys, 429 under
// load, resets from proxies, slow answers), without sleeps or mocks.

interface FaultMatch {
  /** Repeat for this many matching requests (default 1). */
  times?: number;
  /** Only requests with this HTTP method (any when absent). */
  method?: string;
  /** Only requests whose path below the base (e.g. `/`, `/Patient/1`, `/metadata`) starts with this string or matches this pattern. */
  path?: string | RegExp;
  /** Only requests whose body contains this text (e.g. one record's MA_LK inside a batch). */
  bodyIncludes?: string;
}

/** Answer with this status instead of handling the request; nothing is stored. */
export interface StatusFault extends FaultMatch {
  status: number;
  /** Sent as JSON, or as it is when a string (text/plain unless `headers` say otherwise); an OperationOutcome naming the status when absent. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Handle the request normally but hold the answer back, like a slow server. */
export interface DelayFault extends FaultMatch {
  delayMs: number;
}

/** Destroy the connection after reading the request, without answering. */
export interface ResetFault extends FaultMatch {
  reset: true;
}

export type Fault = StatusFault | DelayFault | ResetFault;

export interface FaultScript {
  /** Queues faults; each is consumed by the next request(s) it matches. Chainable. */
  push(...faults: Fault[]): FaultScript;
  /** While on, every request gets 503, ahead of any queued fault. */
  down(on: boolean): void;
  isDown(): boolean;
  /** Faults still queued (counting repeats). */
  pending(): number;
  /** Drops queued faults and lifts `down`. */
  clear(): void;
}

interface Queued {
  fault: Fault;
  remaining: number;
}

export class FaultQueue implements FaultScript {
  private queue: Queued[] = [];
  private isOff = false;

  push(...faults: Fault[]): FaultScript {
    for (const fault of faults) {
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault times must be a positive integer, got ${times}`);
      this.queue.push({ fault, remaining: times });
    }
    return this;
  }

  down(on: boolean): void {
    this.isOff = on;
  }

  isDown(): boolean {
    return this.isOff;
  }

  pending(): number {
    return this.queue.reduce((n, q) => n + q.remaining, 0);
  }

  clear(): void {
    this.queue = [];
    this.isOff = false;
  }

  /** Removes and returns the first queued fault that matches this request. */
  take(method: string, path: string, body?: Buffer): Fault | undefined {
    const index = this.queue.findIndex((q) => matches(q.fault, method, path, body));
    if (index < 0) return undefined;
    const queued = this.queue[index]!;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.queue.splice(index, 1);
    return queued.fault;
  }
}

function matches(fault: Fault, method: string, path: string, body?: Buffer): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.bodyIncludes !== undefined && !(body ?? Buffer.alloc(0)).includes(fault.bodyIncludes)) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === 'string' ? path.startsWith(fault.path) : fault.path.test(path);
}

export function isStatusFault(f: Fault): f is StatusFault {
  return 'status' in f;
}

export function isDelayFault(f: Fault): f is DelayFault {
  return 'delayMs' in f;
}
