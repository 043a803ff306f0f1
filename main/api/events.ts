// Server-sent events for the status UI (DESIGN §8): one shared poller computes a snapshot
// while at least one screen is open and pushes it only when it changed. Polling the store,
// rather than hooking every worker, keeps the pipeline free of UI concerns, and one shared
// timer costs the same whether one screen or ten are open.

/** Writes one event to one open stream. */
export type SendEvent = (event: string, data: unknown) => void;

/** A stream's subscription: returns the function that ends it. */
export type EventSubscription = (send: SendEvent) => () => void;

export interface ChangeFeed {
  subscribe: EventSubscription;
  /** Recompute now and push to every subscriber if changed (e.g. right after an operator action). */
  poke(): void;
  subscribers(): number;
  close(): void;
}

export function createChangeFeed(event: string, compute: () => unknown, intervalMs = 1000): ChangeFeed {
  const subscribers = new Set<SendEvent>();
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  let lastValue: unknown;

  const tick = () => {
    let value: unknown;
    try {
      value = compute();
    } catch {
      return; // the store is closing; the next tick (or none) decides
    }
    const json = JSON.stringify(value);
    if (json === last) return;
    last = json;
    lastValue = value;
    for (const send of subscribers) send(event, value);
  };

  return {
    subscribe(send) {
      subscribers.add(send);
      if (!timer) {
        last = '';
        tick();
        timer = setInterval(tick, intervalMs);
        timer.unref();
      } else if (last) send(event, lastValue);
      return () => {
        subscribers.delete(send);
        if (subscribers.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    poke: () => {
      if (subscribers.size) tick();
    },
    subscribers: () => subscribers.size,
    close() {
      subscribers.clear();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** One event in the text/event-stream format. */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
