// The simulated environment behind the runtime ports: modelled nodes and job processes (ClusterPort) and timers
// (TimerPort) on the virtual clock. Commands change the model at once; their outcomes come back as core events
// scheduled on the event queue, exactly as node agents would report them live.
//
// Progress model: each running job has `work` (ms at full speed) of which `done` is complete, advancing at `rate`
// (1, or less under interference). When a job's rate changes, its finish is rescheduled and the old finish event
// is invalidated by bumping the job's generation.
import type { Event, JobSpec, Node, Reason, Resources, TimerPurpose } from '../core/domain/index.ts';
import { totalRequest } from '../core/domain/index.ts';
import { FairwayError } from '../core/util/errors.ts';
import type { Rng } from '../core/util/rng.ts';
import type { ClusterPort, TimerPort } from '../runtime/ports.ts';
import { EventQueue, PRIORITY } from './event-queue.ts';
import { checkpointMs, type ExecutionModel, speed, usedOf, type WorkloadClass } from './execution-model.ts';
import type { MetricsCollector } from './metrics.ts';
import type { UtilisationReplay } from './telemetry-replay.ts';

/** The policy asked for something the cluster cannot do (over-commit a node, launch an unknown job). A bug in the policy. */
export class SimulationInvariantError extends FairwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('sim_invariant', message, context);
  }
}

export type SimEvent =
  | { readonly kind: 'core'; readonly event: Event }
  | { readonly kind: 'finish'; readonly jobId: string; readonly gen: number }
  | { readonly kind: 'timer'; readonly timerId: string; readonly gen: number; readonly purpose: TimerPurpose }
  | { readonly kind: 'telemetry'; readonly jobId: string; readonly gen: number; readonly n: number }
  | { readonly kind: 'migrated'; readonly jobId: string; readonly gen: number; readonly toNodeIds: readonly string[] }
  | { readonly kind: 'node-down'; readonly nodeId: string }
  | { readonly kind: 'node-up'; readonly nodeId: string }
  | { readonly kind: 'arrival' }
  | { readonly kind: 'measure' };

export interface SimJob {
  readonly spec: JobSpec;
  readonly total: Resources;
  readonly used: Resources;
  readonly durationMs: number;
  readonly cls: WorkloadClass;
  readonly gpus: number;
  work: number;
  done: number;
  rate: number;
  lastMs: number;
  gen: number;
  /** Counts runs (launch … halt); telemetry belongs to one run. */
  run: number;
  nodeIds: readonly string[];
  state: 'pending' | 'running' | 'migrating' | 'done';
  firstStartMs: number | undefined;
  checkpoints: number;
  /** Progress saved by the last checkpoint (kept across a node failure). */
  savedDone: number;
  /** GPU-milli each task uses now (class mean until a telemetry sample says otherwise): for the overload metric. */
  usedGpuTask: number;
}

interface SimNode {
  readonly node: Node;
  free: { cpuMilli: number; gpuMilli: number; memMiB: number; netMbps: number };
  readonly jobs: Set<string>;
  ready: boolean;
  /** GPU-milli in use by its jobs, and since when it has been above the high watermark (or -1). */
  usedGpu: number;
  overSinceMs: number;
}

export interface SimClusterOptions {
  readonly nodes: readonly Node[];
  readonly model: ExecutionModel;
  readonly queue: EventQueue<SimEvent>;
  readonly metrics: MetricsCollector;
  readonly rng: Rng;
  /** Deliver TelemetrySampled events to the core (at 1, 2, 4 … 32 min after each start, then hourly). */
  readonly telemetry: boolean;
  /** Replay GPU and memory use from real utilisation series instead of generating it (CPU stays generated). */
  readonly replay?: UtilisationReplay;
  /** A node counts as overloaded while the GPUs its jobs *use* exceed this fraction of its GPUs (default 0.9). */
  readonly highWatermark?: number;
  /** Called when a job finishes for good. */
  readonly onFinished: (job: SimJob, nowMs: number) => void;
}

const TELEMETRY_MAX_STEP_MS = 3_600_000;

export class SimCluster implements ClusterPort, TimerPort {
  readonly jobs = new Map<string, SimJob>();
  private readonly nodes = new Map<string, SimNode>();
  private readonly timers = new Map<string, number>();
  private timerGen = 0;
  private readonly o: SimClusterOptions;
  private readonly highWatermark: number;
  /** Node-time spent above the high watermark of used load, closed intervals only (see overloadedNodeMs). */
  private overMs = 0;

  constructor(options: SimClusterOptions) {
    this.o = options;
    this.highWatermark = options.highWatermark ?? 0.9;
    for (const node of options.nodes) {
      this.nodes.set(node.id, { node, free: { ...node.capacity }, jobs: new Set(), ready: node.status === 'ready', usedGpu: 0, overSinceMs: -1 });
    }
  }

  /** O(1) bookkeeping of a node's used GPUs and of the time it spends above the high watermark. */
  private addUse(n: SimNode, deltaGpuMilli: number): void {
    n.usedGpu += deltaGpuMilli;
    const over = n.node.capacity.gpuMilli > 0 && n.usedGpu > this.highWatermark * n.node.capacity.gpuMilli + 1e-6;
    if (over && n.overSinceMs < 0) n.overSinceMs = this.now;
    else if (!over && n.overSinceMs >= 0) {
      this.overMs += this.now - n.overSinceMs;
      n.overSinceMs = -1;
    }
  }

  /** Node-time (ms) spent with used GPU load above the high watermark, up to now. */
  overloadedNodeMs(): number {
    let open = 0;
    for (const n of this.nodes.values()) if (n.overSinceMs >= 0) open += this.now - n.overSinceMs;
    return this.overMs + open;
  }

  private get now(): number {
    return this.o.queue.nowMs();
  }

  private emit(event: Event, priority: number = PRIORITY.completion): void {
    this.o.queue.push(Math.max(event.atMs, this.now), priority, { kind: 'core', event });
  }

  /** Adds an arriving job (state pending). */
  admit(spec: JobSpec, durationMs: number, cls: WorkloadClass, gpus: number, work: number): SimJob {
    const total = totalRequest(spec);
    const job: SimJob = {
      spec, total, used: usedOf(this.o.model, cls, total), durationMs, cls, gpus, work, done: 0, rate: 1, lastMs: this.now, gen: 0, run: 0,
      nodeIds: [], state: 'pending', firstStartMs: undefined, checkpoints: 0, savedDone: 0,
      usedGpuTask: Math.round(spec.request.gpuMilli * this.o.model.usage[cls].gpu),
    };
    this.jobs.set(spec.id, job);
    this.o.metrics.submitted(spec.tenantId, total, this.now);
    return job;
  }

  private mustJob(jobId: string, command: string): SimJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new SimulationInvariantError(`${command} for unknown or finished job ${jobId}`, { jobId });
    return job;
  }

  private allocate(job: SimJob, nodeIds: readonly string[]): void {
    if (nodeIds.length !== job.spec.gangSize) {
      throw new SimulationInvariantError(`job ${job.spec.id} is a gang of ${job.spec.gangSize} but was given ${nodeIds.length} node(s)`, { jobId: job.spec.id });
    }
    const r = job.spec.request;
    for (const id of nodeIds) {
      const n = this.nodes.get(id);
      if (!n) throw new SimulationInvariantError(`job ${job.spec.id} placed on unknown node ${id}`, { jobId: job.spec.id, nodeId: id });
      if (!n.ready) throw new SimulationInvariantError(`job ${job.spec.id} placed on node ${id} which is not ready`, { jobId: job.spec.id, nodeId: id });
      n.free.cpuMilli -= r.cpuMilli;
      n.free.gpuMilli -= r.gpuMilli;
      n.free.memMiB -= r.memMiB;
      n.free.netMbps -= r.netMbps;
      if (n.free.cpuMilli < 0 || n.free.gpuMilli < 0 || n.free.memMiB < 0 || n.free.netMbps < 0) {
        throw new SimulationInvariantError(`capacity exceeded on node ${id} placing job ${job.spec.id}`, { jobId: job.spec.id, nodeId: id });
      }
      n.jobs.add(job.spec.id);
      this.addUse(n, job.usedGpuTask);
    }
    job.nodeIds = nodeIds;
  }

  private release(job: SimJob): string[] {
    const r = job.spec.request;
    const touched: string[] = [];
    for (const id of job.nodeIds) {
      const n = this.nodes.get(id);
      if (!n) continue;
      n.free.cpuMilli += r.cpuMilli;
      n.free.gpuMilli += r.gpuMilli;
      n.free.memMiB += r.memMiB;
      n.free.netMbps += r.netMbps;
      n.jobs.delete(job.spec.id);
      this.addUse(n, -job.usedGpuTask);
      touched.push(id);
    }
    job.nodeIds = [];
    return touched;
  }

  /** Brings `done` up to now at the current rate. */
  private progress(job: SimJob): void {
    const now = this.now;
    if (job.state === 'running') job.done = Math.min(job.work, job.done + (now - job.lastMs) * job.rate);
    job.lastMs = now;
  }

  private neighbours(job: SimJob): number {
    let n = 0;
    for (const id of job.nodeIds) n += (this.nodes.get(id)?.jobs.size ?? 1) - 1;
    return n;
  }

  /** (Re)schedules the job's finish at its current rate. */
  private scheduleFinish(job: SimJob): void {
    job.gen += 1;
    const remaining = Math.max(0, job.work - job.done);
    this.o.queue.push(this.now + Math.ceil(remaining / job.rate), PRIORITY.completion, { kind: 'finish', jobId: job.spec.id, gen: job.gen });
  }

  /** Under interference, neighbours' speeds change when a job arrives on or leaves their nodes. */
  private rerate(nodeIds: readonly string[], except?: string): void {
    if (this.o.model.interferencePerNeighbour === 0) return;
    const seen = new Set<string>();
    for (const id of nodeIds) {
      for (const jobId of this.nodes.get(id)?.jobs ?? []) {
        if (jobId === except || seen.has(jobId)) continue;
        seen.add(jobId);
        const j = this.jobs.get(jobId);
        if (!j || j.state !== 'running') continue;
        this.progress(j);
        const rate = speed(this.o.model, this.neighbours(j));
        if (rate !== j.rate) {
          j.rate = rate;
          this.scheduleFinish(j);
        }
      }
    }
  }

  launch(jobId: string, nodeIds: readonly string[], resumeFromCheckpointId?: string): void {
    const job = this.mustJob(jobId, 'LaunchJob');
    if (job.state !== 'pending') throw new SimulationInvariantError(`LaunchJob for job ${jobId} that is ${job.state}`, { jobId });
    const now = this.now;
    this.allocate(job, nodeIds);
    const first = job.firstStartMs === undefined;
    if (first) job.firstStartMs = now;
    else {
      // A restart: restore the checkpoint and warm up again (execution-model.ts).
      job.work += this.o.model.restartOverheadMs + (resumeFromCheckpointId !== undefined || job.checkpoints > 0 ? checkpointMs(this.o.model, job.gpus) : 0);
    }
    job.state = 'running';
    job.run += 1;
    job.lastMs = now;
    job.rate = speed(this.o.model, this.neighbours(job));
    this.o.metrics.started(job.spec.tenantId, job.total, job.used, now, first ? now - job.spec.submittedAtMs : undefined);
    this.scheduleFinish(job);
    this.rerate(nodeIds, jobId);
    this.emit({ type: 'JobStarted', atMs: now, jobId });
    if (this.o.telemetry) this.o.queue.push(now + 60_000, PRIORITY.telemetry, { kind: 'telemetry', jobId, gen: job.run, n: 0 });
  }

  /** Ends a running job's current run (it keeps its progress); returns the nodes it left. */
  private halt(job: SimJob, requeue: boolean): string[] {
    this.progress(job);
    job.gen += 1; // invalidates the pending finish
    job.run += 1; // and the telemetry of this run
    const left = this.release(job);
    this.o.metrics.stopped(job.spec.tenantId, job.total, job.used, this.now, requeue);
    job.state = requeue ? 'pending' : 'done';
    this.rerate(left);
    return left;
  }

  stop(jobId: string, _reason: Reason): void {
    const job = this.mustJob(jobId, 'StopJob');
    if (job.state === 'running' || job.state === 'migrating') this.halt(job, false);
    else if (job.state === 'pending') this.o.metrics.cancelledWhilePending(job.spec.tenantId, job.total, this.now);
    job.state = 'done';
    this.jobs.delete(jobId);
    this.emit({ type: 'ProcessExited', atMs: this.now, jobId, exitCode: 137, reason: 'stopped' });
  }

  preempt(jobId: string, reason: Reason): void {
    const job = this.mustJob(jobId, 'PreemptJob');
    if (job.state !== 'running' && job.state !== 'migrating') throw new SimulationInvariantError(`PreemptJob for job ${jobId} that is ${job.state}`, { jobId });
    if (reason.code === 'node-lost') {
      // Its node died: no checkpoint can be written, so the job falls back to its last checkpoint (or the start).
      this.halt(job, true);
      job.done = job.savedDone;
    } else {
      // Preemption checkpoints first, so progress is kept; writing the checkpoint costs time the job pays on resume.
      job.checkpoints += 1;
      job.work += checkpointMs(this.o.model, job.gpus);
      this.halt(job, true);
      job.savedDone = job.done;
    }
    this.o.metrics.preemptions += 1;
    this.emit({ type: 'ProcessExited', atMs: this.now, jobId, exitCode: 143, reason: 'preempted' });
  }

  checkpoint(jobId: string, _reason: Reason): void {
    const job = this.mustJob(jobId, 'CheckpointJob');
    if (job.state !== 'running') throw new SimulationInvariantError(`CheckpointJob for job ${jobId} that is ${job.state}`, { jobId });
    const cost = checkpointMs(this.o.model, job.gpus);
    this.progress(job);
    job.checkpoints += 1;
    job.savedDone = job.done;
    job.work += cost; // the job pauses while it writes
    this.scheduleFinish(job);
    const sizeMiB = Math.max(1, job.gpus) * this.o.model.checkpointMiBPerGpu;
    this.emit({ type: 'CheckpointCompleted', atMs: this.now + cost, jobId, checkpointId: `${jobId}-ckpt-${job.checkpoints}`, sizeMiB });
  }

  /**
   * Migration, as the core models it: the job keeps its old nodes while it writes a checkpoint (paused), then moves
   * at `MigrationCompleted` — old nodes released, new ones taken — and pays the restore and restart there.
   */
  migrate(jobId: string, fromNodeIds: readonly string[], toNodeIds: readonly string[], _reason: Reason): void {
    const job = this.mustJob(jobId, 'MigrateJob');
    if (job.state !== 'running') throw new SimulationInvariantError(`MigrateJob for job ${jobId} that is ${job.state}`, { jobId });
    if (fromNodeIds.join(',') !== job.nodeIds.join(',')) {
      throw new SimulationInvariantError(`MigrateJob for job ${jobId} from ${fromNodeIds.join(',')} but it runs on ${job.nodeIds.join(',')}`, { jobId });
    }
    this.progress(job);
    job.state = 'migrating';
    job.gen += 1; // no finish while paused
    job.checkpoints += 1;
    job.savedDone = job.done;
    this.o.queue.push(this.now + checkpointMs(this.o.model, job.gpus), PRIORITY.completion, { kind: 'migrated', jobId, gen: job.gen, toNodeIds: [...toNodeIds] });
  }

  /** Completes a migration (a popped `migrated` event); returns the MigrationCompleted to deliver, or undefined when stale. */
  migrated(jobId: string, gen: number, toNodeIds: readonly string[]): Event | undefined {
    const job = this.jobs.get(jobId);
    if (!job || job.gen !== gen || job.state !== 'migrating') return undefined;
    const left = this.release(job);
    this.allocate(job, toNodeIds);
    job.work += checkpointMs(this.o.model, job.gpus) + this.o.model.restartOverheadMs;
    job.state = 'running';
    job.lastMs = this.now;
    job.rate = speed(this.o.model, this.neighbours(job));
    this.scheduleFinish(job);
    this.rerate([...left, ...toNodeIds], jobId);
    this.o.metrics.migrations += 1;
    return { type: 'MigrationCompleted', atMs: this.now, jobId, toNodeIds };
  }

  set(timerId: string, atMs: number, purpose: TimerPurpose): void {
    const gen = ++this.timerGen;
    this.timers.set(timerId, gen);
    this.o.queue.push(Math.max(atMs, this.now), PRIORITY.timer, { kind: 'timer', timerId, gen, purpose });
  }

  /** True when a popped timer event is still the live one for its id (a later `set` replaces it). */
  timerIsLive(timerId: string, gen: number): boolean {
    if (this.timers.get(timerId) !== gen) return false;
    this.timers.delete(timerId);
    return true;
  }

  /** Handles a popped finish event; returns the ProcessExited to deliver, or undefined when it was stale. */
  finish(jobId: string, gen: number): Event | undefined {
    const job = this.jobs.get(jobId);
    if (!job || job.gen !== gen || job.state !== 'running') return undefined;
    const now = this.now;
    this.halt(job, false);
    this.jobs.delete(jobId);
    this.o.onFinished(job, now);
    return { type: 'ProcessExited', atMs: now, jobId, exitCode: 0 };
  }

  /** A telemetry sample of a running job (seeded noise around the class's mean use), and the next one scheduled. */
  telemetry(jobId: string, gen: number, n: number): Event | undefined {
    const job = this.jobs.get(jobId);
    if (!job || job.run !== gen) return undefined;
    if (job.state === 'migrating') {
      // Paused mid-migration: no sample, but keep the series going (a migration does not start a new run).
      this.o.queue.push(this.now + 60_000, PRIORITY.telemetry, { kind: 'telemetry', jobId, gen, n });
      return undefined;
    }
    if (job.state !== 'running') return undefined;
    const noise = (): number => 1 + this.o.model.telemetryNoise * (2 * this.o.rng.next() - 1);
    const clip = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)));
    const perTask = job.spec.request;
    const u = this.o.model.usage[job.cls];
    const replay = this.o.replay;
    const minute = (this.now - (job.firstStartMs ?? this.now)) / 60_000;
    const used: Resources = {
      cpuMilli: clip(perTask.cpuMilli * u.cpu * noise(), perTask.cpuMilli),
      gpuMilli: clip(perTask.gpuMilli * (replay ? replay.gpu(jobId, minute) : u.gpu * noise()), perTask.gpuMilli),
      memMiB: clip(perTask.memMiB * (replay ? replay.mem(jobId, minute) : u.mem * noise()), perTask.memMiB),
      netMbps: 0,
    };
    for (const id of job.nodeIds) {
      const node = this.nodes.get(id);
      if (node) this.addUse(node, used.gpuMilli - job.usedGpuTask);
    }
    job.usedGpuTask = used.gpuMilli;
    const step = Math.min(TELEMETRY_MAX_STEP_MS, 60_000 * 2 ** (n + 1));
    this.o.queue.push(this.now + step, PRIORITY.telemetry, { kind: 'telemetry', jobId, gen, n: n + 1 });
    return { type: 'TelemetrySampled', atMs: this.now, sample: { nodeId: job.nodeIds[0] ?? '', jobId, atMs: this.now, used } };
  }

  /** A node fails: nothing new may start on it; returns the NodeLost event for the core (which preempts its jobs). */
  nodeDown(nodeId: string): Event | undefined {
    const n = this.nodes.get(nodeId);
    if (!n || !n.ready) return undefined;
    n.ready = false;
    return { type: 'NodeLost', atMs: this.now, nodeId };
  }

  /** A failed node is repaired and ready again. */
  nodeUp(nodeId: string): Event | undefined {
    const n = this.nodes.get(nodeId);
    if (!n || n.ready) return undefined;
    n.ready = true;
    return { type: 'NodeStatusChanged', atMs: this.now, nodeId, status: 'ready' };
  }

  /** Jobs still holding resources on a node (a failed node's jobs must be preempted by the policy). */
  jobsOn(nodeId: string): readonly string[] {
    return [...(this.nodes.get(nodeId)?.jobs ?? [])];
  }

  /** Free resources of every node (for invariant checks in tests). */
  freeByNode(): Map<string, Resources> {
    return new Map([...this.nodes].map(([id, n]) => [id, { ...n.free }]));
  }

  runningCount(): number {
    let c = 0;
    for (const j of this.jobs.values()) if (j.state === 'running') c += 1;
    return c;
  }
}
