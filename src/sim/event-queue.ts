// The simulator's discrete-event queue and virtual clock (DESIGN.md §1.5): events are ordered by (time, priority,
// seq), so two runs with the same input pop them in the same order. `seq` is the insertion counter, so events of
// equal time and priority keep the order they were scheduled in.
import { Heap } from '../core/util/heap.ts';
import type { Clock } from '../runtime/ports.ts';

/** Lower runs first among events at the same time: resources are freed before arrivals are seen, arrivals before
 *  the scheduler runs, and measurements last, so a sample sees the state after every decision of that instant. */
export const PRIORITY = {
  /** Job finished, checkpoint or migration done, node failure/recovery: changes to what exists. */
  completion: 0,
  /** A job arrives. */
  arrival: 1,
  /** A core timer (scheduling cycle, fairness, balance). */
  timer: 2,
  /** Telemetry sample delivered to the core. */
  telemetry: 3,
  /** Metrics sampling by the simulator itself (not seen by the core). */
  measure: 4,
} as const;

export interface Scheduled<T> {
  readonly atMs: number;
  readonly priority: number;
  readonly seq: number;
  readonly payload: T;
}

export class EventQueue<T> implements Clock {
  private readonly heap = new Heap<Scheduled<T>>((a, b) =>
    a.atMs !== b.atMs ? a.atMs < b.atMs : a.priority !== b.priority ? a.priority < b.priority : a.seq < b.seq,
  );
  private seq = 0;
  private now = 0;
  private popped = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  get size(): number {
    return this.heap.size;
  }

  /** Events popped so far. */
  get processed(): number {
    return this.popped;
  }

  /** Schedules `payload` at `atMs` (never in the past: an earlier time is a bug in the caller). */
  push(atMs: number, priority: number, payload: T): void {
    if (!Number.isFinite(atMs) || atMs < this.now) {
      throw new Error(`event scheduled in the past or at a non-finite time: ${atMs} < now ${this.now}`);
    }
    this.heap.push({ atMs: Math.round(atMs), priority, seq: this.seq++, payload });
  }

  peekTimeMs(): number | undefined {
    return this.heap.peek()?.atMs;
  }

  /** Removes the next event and advances the clock to its time. */
  pop(): Scheduled<T> | undefined {
    const next = this.heap.pop();
    if (next) {
      this.now = next.atMs;
      this.popped += 1;
    }
    return next;
  }
}
