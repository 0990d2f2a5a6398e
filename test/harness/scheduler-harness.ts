// SchedulerHarness (DESIGN.md §5): the control reducer driven on a virtual clock with an in-memory event queue and
// a recording executor. Commands are recorded; a LaunchJob of a job with an expected duration schedules its
// JobStarted now and its ProcessExited after that duration (unless it is preempted or stopped first). Timers
// (SetTimer) become TimerFired events. Events at the same instant run in (priority, seq) order: facts first, then
// timers. Tests never sleep for real.
import type { Command } from '../../src/core/domain/commands.ts';
import type { Event } from '../../src/core/domain/events.ts';
import type { JobSpec } from '../../src/core/domain/job.ts';
import type { Node } from '../../src/core/domain/node.ts';
import type { Tenant } from '../../src/core/domain/tenant.ts';
import { createControlState, type ControlOptions, type ControlState } from '../../src/core/control/state.ts';
import { step } from '../../src/core/control/step.ts';
import { Heap } from '../../src/core/util/heap.ts';
import { createRng, type Rng } from '../../src/core/util/rng.ts';

interface Queued {
  readonly atMs: number;
  readonly prio: number;
  readonly seq: number;
  readonly event: Event;
  cancelled?: boolean;
}

export interface HarnessOptions extends ControlOptions {
  readonly seed?: number;
  /** Complete launched jobs after their expectedDurationMs (default true). */
  readonly autoComplete?: boolean;
}

export class SchedulerHarness {
  state: ControlState;
  now = 0;
  readonly rng: Rng;
  /** Every event fed to step, in order, with the time it was applied (replays the run). */
  readonly log: { readonly atMs: number; readonly event: Event }[] = [];
  readonly commands: { readonly atMs: number; readonly command: Command }[] = [];
  private readonly queue = new Heap<Queued>((a, b) => a.atMs < b.atMs || (a.atMs === b.atMs && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq))));
  private seq = 0;
  private readonly exits = new Map<string, Queued>();
  private readonly autoComplete: boolean;

  constructor(options: HarnessOptions = {}) {
    this.state = createControlState(options);
    this.rng = createRng(options.seed ?? 1);
    this.autoComplete = options.autoComplete ?? true;
  }

  at(atMs: number, event: Event, prio = 0): Queued {
    const q: Queued = { atMs, prio, seq: this.seq++, event };
    this.queue.push(q);
    return q;
  }

  tenant(t: Tenant, atMs = this.now): this {
    this.at(atMs, { type: 'TenantUpserted', atMs, tenant: t });
    return this;
  }

  node(n: Node, atMs = this.now): this {
    this.at(atMs, { type: 'NodeRegistered', atMs, node: n });
    return this;
  }

  submit(job: JobSpec, atMs = job.submittedAtMs): this {
    this.at(atMs, { type: 'JobSubmitted', atMs, job: { ...job, submittedAtMs: atMs } });
    return this;
  }

  /** Applies one event now (outside the queue) and executes its commands. */
  apply(event: Event): readonly Command[] {
    this.log.push({ atMs: this.now, event });
    const { state, commands } = step(this.state, event, this.now, this.rng);
    this.state = state;
    for (const c of commands) this.execute(c);
    return commands;
  }

  private execute(c: Command): void {
    this.commands.push({ atMs: this.now, command: c });
    switch (c.type) {
      case 'SetTimer':
        this.at(c.atMs, { type: 'TimerFired', atMs: c.atMs, timerId: c.timerId, purpose: c.purpose }, 1);
        break;
      case 'LaunchJob': {
        const job = this.state.jobs.get(c.jobId);
        this.at(this.now, { type: 'JobStarted', atMs: this.now, jobId: c.jobId });
        const dur = job?.spec.expectedDurationMs;
        if (this.autoComplete && dur !== undefined) {
          this.exits.set(c.jobId, this.at(this.now + dur, { type: 'ProcessExited', atMs: this.now + dur, jobId: c.jobId, exitCode: 0 }));
        }
        break;
      }
      case 'PreemptJob':
      case 'StopJob': {
        const q = this.exits.get(c.jobId);
        if (q) q.cancelled = true;
        this.exits.delete(c.jobId);
        break;
      }
      case 'CheckpointJob':
      case 'MigrateJob':
        break;
    }
  }

  /** Runs every queued event up to and including `untilMs` (default: until the queue is empty). */
  run(untilMs = Number.POSITIVE_INFINITY, maxEvents = 1_000_000): this {
    let n = 0;
    for (let q = this.queue.peek(); q !== undefined && q.atMs <= untilMs; q = this.queue.peek()) {
      this.queue.pop();
      if (q.cancelled) continue;
      if (++n > maxEvents) throw new Error(`harness: more than ${maxEvents} events`);
      this.now = Math.max(this.now, q.atMs);
      this.apply(q.event);
    }
    if (Number.isFinite(untilMs)) this.now = Math.max(this.now, untilMs);
    return this;
  }

  launched(): { atMs: number; jobId: string; nodeIds: readonly string[] }[] {
    const out: { atMs: number; jobId: string; nodeIds: readonly string[] }[] = [];
    for (const { atMs, command } of this.commands) if (command.type === 'LaunchJob') out.push({ atMs, jobId: command.jobId, nodeIds: command.nodeIds });
    return out;
  }
}
