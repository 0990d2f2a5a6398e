// What the coordinator needs from the control logic: feed it events (facts), get back commands (intents), and ask it
// why a job waits. The live implementation wraps the core reducer; the coordinator executes the commands.
import type { Command } from '../core/domain/commands.ts';
import type { Event } from '../core/domain/events.ts';
import type { Reason } from '../core/domain/plan.ts';

export interface WaitExplanation {
  readonly position: number;
  readonly queueLength: number;
  readonly priority?: Readonly<Record<string, number>>;
  readonly reasons: readonly Reason[];
  readonly estimatedStartMs: number | null;
  readonly lastCycleMs: number | null;
}

export interface CycleStats {
  readonly atMs: number;
  readonly durationMs: number;
  readonly pending: number;
  readonly placed: number;
}

export interface ControlPort {
  /** Applies one event and returns the commands it calls for (a schedule timer runs a cycle). */
  handle(event: Event, nowMs: number): Command[];
  explain(jobId: string): WaitExplanation | undefined;
  lastCycle(): CycleStats | undefined;
}
