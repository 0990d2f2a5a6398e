// The shared driver (DESIGN.md §1.3, "two drivers, one core"): feeds each event to the core's reducer and executes
// the commands it returns through ports. The live coordinator and the simulator build this same driver with
// different adapters; there is no `if (simulate)` here or anywhere.
//
// Contract:
// - `handle(event)` is called by the environment with events in order, one at a time, never re-entrantly
//   (adapters must not call back into `handle`; they emit through their EventSink and the environment delivers).
// - `now` passed to the reducer is `clock.nowMs()`, not `event.atMs`: live, an event may be handled a little after
//   it happened, and the core must reason about the time it decides at.
// - Commands are executed in the order returned. An unknown command type is a bug and crashes (assertNever).
import { assertNever } from '../core/util/assert.ts';
import type { Command, Event } from '../core/domain/index.ts';
import type { Rng } from '../core/util/rng.ts';
import type { Clock, ClusterPort, DecisionLog, TimerPort } from './ports.ts';
import type { Reducer } from './reducer.ts';

export interface DriverPorts {
  readonly clock: Clock;
  readonly cluster: ClusterPort;
  readonly timers: TimerPort;
  readonly log?: DecisionLog;
}

export interface DriverOptions<S> {
  readonly reducer: Reducer<S>;
  readonly initialState: S;
  readonly rng: Rng;
  readonly ports: DriverPorts;
}

export class Driver<S> {
  private current: S;
  private seq = 0;
  private handling = false;
  private readonly reducer: Reducer<S>;
  private readonly rng: Rng;
  private readonly ports: DriverPorts;

  constructor(options: DriverOptions<S>) {
    this.current = options.initialState;
    this.reducer = options.reducer;
    this.rng = options.rng;
    this.ports = options.ports;
  }

  /** The core's state after the last handled event (read-only use: metrics, API views). */
  get state(): S {
    return this.current;
  }

  /** Number of events handled so far. */
  get eventsHandled(): number {
    return this.seq;
  }

  /** Feeds one event to the reducer, records the decision and executes the commands. Returns the commands. */
  handle(event: Event): readonly Command[] {
    if (this.handling) throw new Error('Driver.handle called re-entrantly: adapters must emit events, not handle them');
    this.handling = true;
    try {
      const nowMs = this.ports.clock.nowMs();
      const { state, commands } = this.reducer(this.current, event, nowMs, this.rng);
      this.current = state;
      this.seq += 1;
      this.ports.log?.append({ seq: this.seq, atMs: nowMs, event, commands });
      for (const command of commands) this.execute(command);
      return commands;
    } finally {
      this.handling = false;
    }
  }

  private execute(command: Command): void {
    const { cluster, timers } = this.ports;
    switch (command.type) {
      case 'LaunchJob':
        cluster.launch(command.jobId, command.nodeIds, command.resumeFromCheckpointId);
        return;
      case 'StopJob':
        cluster.stop(command.jobId, command.reason);
        return;
      case 'CheckpointJob':
        cluster.checkpoint(command.jobId, command.reason);
        return;
      case 'MigrateJob':
        cluster.migrate(command.jobId, command.fromNodeIds, command.toNodeIds, command.reason);
        return;
      case 'PreemptJob':
        cluster.preempt(command.jobId, command.reason);
        return;
      case 'SetTimer':
        timers.set(command.timerId, command.atMs, command.purpose);
        return;
      default:
        assertNever(command, 'command');
    }
  }
}
