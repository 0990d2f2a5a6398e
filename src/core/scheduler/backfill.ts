// EASY-style backfilling onto reserved nodes (docs/scheduler.md §The aging guarantee). A starving job's reservation
// has an estimated start ("shadow time"): when, by the running tasks' expected ends, enough frees up on every held
// node. Another job may use a held node when it is expected to end by then, or when the held job would still fit on
// that node at the shadow time with it there. Either way the held job starts no later than its estimate (as far as
// the expected durations are right), while the held nodes keep working instead of draining idle.
import { DIMS } from './cycle-state.ts';
import type { CycleState } from './cycle-state.ts';

interface TimedTask {
  /** Expected end (ms); Infinity when the job has no expected duration. Never earlier than the cycle's `now`. */
  readonly endMs: number;
  readonly req: readonly number[];
}

/** When each node's running tasks are expected to end, built on first need (O(running tasks)) once per cycle. */
export class ReleaseTimeline {
  private byNode: TimedTask[][] | undefined;
  /** Placements of this cycle made before the timeline was built. */
  private readonly early: { node: number; task: TimedTask }[] = [];

  constructor(private readonly cycle: CycleState) {}

  /** A task placed in this cycle on `node`, expected to run `durationMs` (undefined: unknown). */
  placed(node: number, req: readonly number[], durationMs: number | undefined): void {
    const task = { endMs: durationMs === undefined ? Infinity : this.cycle.now + durationMs, req };
    if (this.byNode) (this.byNode[node] as TimedTask[]).push(task);
    else this.early.push({ node, task });
  }

  private tasksOn(node: number): readonly TimedTask[] {
    if (!this.byNode) {
      const c = this.cycle;
      const by: TimedTask[][] = [];
      for (let i = 0; i < c.nodeCount; i++) by.push([]);
      for (const r of c.snapshot.running) {
        const dur = r.spec.expectedDurationMs;
        // A job past its expected end is taken to end now (EASY's usual assumption); the estimate moves with it.
        const endMs = dur === undefined ? Infinity : Math.max(c.now, r.startedAtMs + dur);
        const q = r.spec.request;
        const req = [q.cpuMilli, q.gpuMilli, q.memMiB, q.netMbps];
        for (const id of r.nodeIds) {
          const i = c.nodeIndexById.get(id);
          if (i !== undefined) (by[i] as TimedTask[]).push({ endMs, req });
        }
      }
      for (const e of this.early) (by[e.node] as TimedTask[]).push(e.task);
      this.early.length = 0;
      for (const list of by) if (list.length > 1) list.sort((a, b) => a.endMs - b.endMs);
      this.byNode = by;
    }
    return this.byNode[node] as TimedTask[];
  }

  /** Earliest time (≥ now) at which `req` fits on the node by the expected ends; Infinity if it never does. */
  fitTime(node: number, req: readonly number[]): number {
    const c = this.cycle;
    const f = [0, 0, 0, 0];
    for (let d = 0; d < DIMS; d++) f[d] = (c.free[d] as Float64Array)[node] as number;
    if (fits(f, req)) return c.now;
    const tasks = this.tasksOn(node);
    // Sorted lazily: this cycle's placements may have been appended after the sort.
    const sorted = isSorted(tasks) ? tasks : [...tasks].sort((a, b) => a.endMs - b.endMs);
    for (const t of sorted) {
      if (t.endMs === Infinity) break;
      for (let d = 0; d < DIMS; d++) f[d] = (f[d] as number) + (t.req[d] as number);
      if (fits(f, req)) return t.endMs;
    }
    return Infinity;
  }

  /** Free capacity on the node at time t by the expected ends (all tasks with a known end when t is Infinity). */
  freeAt(node: number, t: number): number[] {
    const c = this.cycle;
    const f = [0, 0, 0, 0];
    for (let d = 0; d < DIMS; d++) f[d] = (c.free[d] as Float64Array)[node] as number;
    for (const task of this.tasksOn(node)) {
      if (task.endMs === Infinity || task.endMs > t) continue;
      for (let d = 0; d < DIMS; d++) f[d] = (f[d] as number) + (task.req[d] as number);
    }
    return f;
  }
}

function fits(free: readonly number[], req: readonly number[]): boolean {
  for (let d = 0; d < DIMS; d++) if ((req[d] as number) > (free[d] as number)) return false;
  return true;
}

function isSorted(tasks: readonly TimedTask[]): boolean {
  for (let k = 1; k < tasks.length; k++) if ((tasks[k - 1] as TimedTask).endMs > (tasks[k] as TimedTask).endMs) return false;
  return true;
}

/**
 * Holds `nodes` for job `jobId` (one task of `req` each) in the cycle: its estimated start is the latest of the
 * nodes' fit times, and each node's spare capacity at that time (beyond the held task) is what long-running
 * backfill may take there. Returns the estimated start (Infinity: unknown, some blocking task has no estimate).
 */
export function holdNodes(cycle: CycleState, timeline: ReleaseTimeline, jobId: string, nodes: readonly number[], req: readonly number[]): number {
  let shadowMs = cycle.now;
  for (const i of nodes) shadowMs = Math.max(shadowMs, timeline.fitTime(i, req));
  for (const i of nodes) {
    const f = timeline.freeAt(i, shadowMs);
    for (let d = 0; d < DIMS; d++) f[d] = (f[d] as number) - (req[d] as number);
    cycle.hold(i, jobId, shadowMs, f);
  }
  return shadowMs;
}
