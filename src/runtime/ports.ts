// The ports through which the shared driver acts on the world (DESIGN.md §1). The live coordinator and the simulator
// implement the same ports with different adapters; the driver and the core never know which one they talk to.
//
// Outcomes of commands (a process started, exited, a checkpoint completed) are NOT return values: adapters report
// them later as core Events through the `EventSink` they were built with, and the environment (the simulator's
// event queue, or the coordinator's inbox) hands them back to `Driver.handle` one at a time. That keeps the driver
// free of re-entrancy and makes the event log a complete record of a run.
import type { Command, Event, Reason, TimerPurpose } from '../core/domain/index.ts';

/** Where "now" comes from: the system clock live, the event queue's virtual clock in simulation. */
export interface Clock {
  /** Milliseconds since the run's epoch (integer). */
  nowMs(): number;
}

/** Accepts events that adapters produce (a process exited, a timer fired); the environment orders and delivers them. */
export interface EventSink {
  emit(event: Event): void;
}

/** Runs and controls jobs on nodes: node agents live, the modelled cluster in simulation. */
export interface ClusterPort {
  /** Start (or resume) a job's tasks on the given nodes, one node id per task. Reports `JobStarted`, later `ProcessExited`. */
  launch(jobId: string, nodeIds: readonly string[], resumeFromCheckpointId?: string): void;
  /** Stop a job for good (cancel). Reports `ProcessExited` with a non-zero code. */
  stop(jobId: string, reason: Reason): void;
  /** Take a checkpoint of a running job. Reports `CheckpointCompleted`. */
  checkpoint(jobId: string, reason: Reason): void;
  /** Move a running job (checkpoint, stop, restart elsewhere). Reports `MigrationCompleted`. */
  migrate(jobId: string, fromNodeIds: readonly string[], toNodeIds: readonly string[], reason: Reason): void;
  /** Stop a job so it can run later; its progress up to its last checkpoint is kept. Reports `ProcessExited`
   *  with `reason: 'preempted'`. */
  preempt(jobId: string, reason: Reason): void;
}

/** Sets timers; each fires later as a `TimerFired` event through the EventSink. Setting an existing id replaces it. */
export interface TimerPort {
  set(timerId: string, atMs: number, purpose: TimerPurpose): void;
}

/** One entry of the decision log: an event and the commands the core answered with. */
export interface DecisionRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly event: Event;
  readonly commands: readonly Command[];
}

/** Where decisions are recorded (SQLite live, memory or a file in simulation). Optional. */
export interface DecisionLog {
  append(record: DecisionRecord): void;
}
