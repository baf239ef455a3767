/**
 * Live events to every connected renderer, batched: events that arrive within one
 * interval (100 ms) go out as one message, with progress of the same run merged and
 * only the newest boundary of each run kept. So a sweep of many fast trials costs
 * the renderer at most ten messages a second, however fast training logs.
 */
import type { ApiEvent } from '../../src-api/schemas';

export interface EventSink {
  /** Sends one batch; the transport serializes it. */
  send(events: ApiEvent[]): void;
}

export const BATCH_MS = 100;

/** One connection's queue and subscriptions. */
export class Subscriber {
  private watching = new Set<string>();
  private queue: ApiEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sink: EventSink,
    private readonly batchMs: number,
  ) {}

  /** Runs whose live decision boundary this connection wants. */
  get watched(): Set<string> {
    return this.watching;
  }

  /**
   * Changes the runs watched. Boundaries already queued for runs no longer watched are
   * dropped: a view that closed and reopened its run must not get a picture from before.
   */
  set watched(ids: Set<string>) {
    this.watching = ids;
    this.queue = this.queue.filter((e) => e.type !== 'run.boundary' || ids.has(e.runId));
  }

  push(event: ApiEvent): void {
    if (event.type === 'run.boundary' && !this.watching.has(event.runId)) return;
    let last = -1;
    if ('runId' in event) {
      for (let i = this.queue.length - 1; i >= 0 && last < 0; i--) {
        const e = this.queue[i];
        if (e.type === event.type && 'runId' in e && e.runId === event.runId) last = i;
      }
    }
    if (event.type === 'run.progress' && last >= 0) {
      const previous = this.queue[last] as typeof event;
      this.queue[last] = { ...event, entries: [...previous.entries, ...event.entries] };
    } else if (event.type === 'run.boundary' && last >= 0) {
      this.queue[last] = event;
    } else if (event.type === 'sweep.changed') {
      const at = this.queue.findIndex((e) => e.type === 'sweep.changed' && e.sweepId === event.sweepId);
      if (at >= 0) {
        const previous = this.queue[at] as typeof event;
        const byIndex = new Map(previous.trials.map((t) => [t.index, t]));
        for (const t of event.trials) byIndex.set(t.index, t);
        this.queue[at] = { ...event, trials: [...byIndex.values()] };
      } else {
        this.queue.push(event);
      }
    } else if (event.type === 'runs.changed') {
      const at = this.queue.findIndex((e) => e.type === 'runs.changed');
      if (at >= 0) {
        const since = Math.min((this.queue[at] as typeof event).since, event.since);
        this.queue[at] = { type: 'runs.changed', since };
      } else {
        this.queue.push(event);
      }
    } else {
      this.queue.push(event);
    }
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.sink.send(batch);
    } catch {
      // The connection is closing; its close handler unsubscribes it.
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly batchMs = BATCH_MS) {}

  subscribe(sink: EventSink): Subscriber {
    const subscriber = new Subscriber(sink, this.batchMs);
    this.subscribers.add(subscriber);
    return subscriber;
  }

  unsubscribe(subscriber: Subscriber): void {
    subscriber.close();
    this.subscribers.delete(subscriber);
  }

  emit(event: ApiEvent): void {
    for (const subscriber of this.subscribers) subscriber.push(event);
  }

  get size(): number {
    return this.subscribers.size;
  }
}
