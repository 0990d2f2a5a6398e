// A stop-gap ControlPort used until the core reducer (`src/core/control`) is merged: strict priority-class then
// submission order, first fit, gangs all-or-nothing. It exists only so the coordinator runs end to end; it is
// replaced by the core's step() through the shared runtime driver, not extended.
import type { Command } from '../core/domain/commands.ts';
import type { Event } from '../core/domain/events.ts';
import type { JobSpec } from '../core/domain/job.ts';
import { PRIORITY_CLASSES } from '../core/domain/job.ts';
import type { Node } from '../core/domain/node.ts';
import type { Reason } from '../core/domain/plan.ts';
import { add, fits, shortfall, sub, ZERO, type Resources } from '../core/domain/resources.ts';
import type { ControlPort, CycleStats, WaitExplanation } from './control-port.ts';

interface RunningJob { readonly spec: JobSpec; readonly nodeIds: readonly string[] }

export class InterimControl implements ControlPort {
  private readonly nodes = new Map<string, { node: Node; used: Resources }>();
  private readonly pending = new Map<string, JobSpec>();
  private readonly running = new Map<string, RunningJob>();
  private explanations = new Map<string, WaitExplanation>();
  private stats: CycleStats | undefined;

  handle(event: Event, nowMs: number): Command[] {
    switch (event.type) {
      case 'NodeRegistered': {
        const prev = this.nodes.get(event.node.id);
        this.nodes.set(event.node.id, { node: event.node, used: prev?.used ?? ZERO });
        return [];
      }
      case 'NodeStatusChanged': {
        const n = this.nodes.get(event.nodeId);
        if (n) this.nodes.set(event.nodeId, { ...n, node: { ...n.node, status: event.status } });
        return [];
      }
      case 'NodeLost': {
        // Its jobs go back to the queue; the job restores its last checkpoint wherever it lands next.
        const n = this.nodes.get(event.nodeId);
        if (n) this.nodes.set(event.nodeId, { node: { ...n.node, status: 'down' }, used: n.used });
        for (const [id, r] of [...this.running]) {
          if (!r.nodeIds.includes(event.nodeId)) continue;
          this.release(id);
          this.pending.set(id, r.spec);
        }
        return [];
      }
      case 'JobSubmitted':
        this.pending.set(event.job.id, event.job);
        return [];
      case 'JobCancelled': {
        this.pending.delete(event.jobId);
        const stop: Command[] = this.running.has(event.jobId)
          ? [{ type: 'StopJob', jobId: event.jobId, reason: { plugin: 'api', code: 'cancelled', message: 'cancelled by its tenant' } }]
          : [];
        this.release(event.jobId);
        return stop;
      }
      case 'ProcessExited':
        this.release(event.jobId);
        return [];
      case 'TimerFired':
        return event.purpose === 'schedule' ? this.cycle(nowMs) : [];
      default:
        return [];
    }
  }

  /** Restores a job that was already placed before a restart. */
  restoreRunning(spec: JobSpec, nodeIds: readonly string[]): void {
    this.running.set(spec.id, { spec, nodeIds });
    for (const id of nodeIds) {
      const n = this.nodes.get(id);
      if (n) n.used = add(n.used, spec.request);
    }
  }

  private release(jobId: string): void {
    const r = this.running.get(jobId);
    if (!r) return;
    this.running.delete(jobId);
    for (const id of r.nodeIds) {
      const n = this.nodes.get(id);
      if (n) n.used = sub(n.used, r.spec.request);
    }
  }

  private cycle(nowMs: number): Command[] {
    const t0 = performance.now();
    const order = [...this.pending.values()].sort((a, b) =>
      PRIORITY_CLASSES.indexOf(a.priorityClass) - PRIORITY_CLASSES.indexOf(b.priorityClass) || a.submittedAtMs - b.submittedAtMs || (a.id < b.id ? -1 : 1));
    const ready = [...this.nodes.values()].filter((n) => n.node.status === 'ready').sort((a, b) => (a.node.id < b.node.id ? -1 : 1));
    const commands: Command[] = [];
    const explanations = new Map<string, WaitExplanation>();
    let position = 0;
    for (const job of order) {
      const chosen: string[] = [];
      const trial = new Map<string, Resources>();
      for (let task = 0; task < job.gangSize; task++) {
        const n = ready.find((c) => fits(job.request, sub(c.node.capacity, trial.get(c.node.id) ?? c.used)));
        if (!n) break;
        chosen.push(n.node.id);
        trial.set(n.node.id, add(trial.get(n.node.id) ?? n.used, job.request));
      }
      if (chosen.length === job.gangSize) {
        for (const [id, used] of trial) this.nodes.get(id)!.used = used;
        this.pending.delete(job.id);
        this.running.set(job.id, { spec: job, nodeIds: chosen });
        commands.push({ type: 'LaunchJob', jobId: job.id, nodeIds: chosen });
        continue;
      }
      const reasons: Reason[] = [];
      const dims = new Set(ready.flatMap((n) => shortfall(job.request, sub(n.node.capacity, n.used))));
      for (const d of dims) reasons.push({ plugin: 'fit', code: 'insufficient', dimension: d, message: `not enough free ${d} on any ready node`, nodes: ready.length });
      if (ready.length === 0) reasons.push({ plugin: 'fit', code: 'no-ready-node', message: 'no node is ready' });
      if (job.gangSize > 1 && dims.size === 0) reasons.push({ plugin: 'gang', code: 'gang-incomplete', message: `only ${chosen.length} of ${job.gangSize} tasks fit at once` });
      explanations.set(job.id, { position: position++, queueLength: 0, reasons, estimatedStartMs: null, lastCycleMs: nowMs });
    }
    const queueLength = explanations.size;
    this.explanations = new Map([...explanations].map(([k, v]) => [k, { ...v, queueLength }]));
    this.stats = { atMs: nowMs, durationMs: performance.now() - t0, pending: order.length, placed: commands.length };
    return commands;
  }

  explain(jobId: string): WaitExplanation | undefined {
    const e = this.explanations.get(jobId);
    if (e) return e;
    if (this.pending.has(jobId)) {
      return { position: this.pending.size - 1, queueLength: this.pending.size, reasons: [{ plugin: 'queue', code: 'not-yet-considered', message: 'submitted after the last scheduling cycle' }], estimatedStartMs: null, lastCycleMs: this.stats?.atMs ?? null };
    }
    return undefined;
  }

  lastCycle(): CycleStats | undefined {
    return this.stats;
  }
}
