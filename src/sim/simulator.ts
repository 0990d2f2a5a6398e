// The trace-driven simulator: a discrete-event loop on a virtual clock that runs the *same* runtime Driver as the
// live coordinator (DESIGN.md §1.3) with simulated adapters (SimCluster for ClusterPort and TimerPort, the event
// queue as Clock). Jobs stream in from a JobSource, so memory is bounded by the jobs alive at once.
import type { Event, Tenant } from '../core/domain/index.ts';
import { createRng } from '../core/util/rng.ts';
import { Driver } from '../runtime/driver.ts';
import type { DecisionLog } from '../runtime/ports.ts';
import type { ClusterSpec } from './cluster-spec.ts';
import { EventQueue, PRIORITY } from './event-queue.ts';
import { DEFAULT_MODEL, type ExecutionModel, workMs } from './execution-model.ts';
import { MetricsCollector, type RunMetrics, type SeriesPoint } from './metrics.ts';
import type { Policy } from './policies.ts';
import { SimCluster, type SimEvent } from './sim-cluster.ts';
import type { UtilisationReplay } from './telemetry-replay.ts';
import type { JobSource, SimJobInput } from './workload.ts';

export interface SimOptions {
  readonly cluster: ClusterSpec;
  readonly policy: Policy;
  readonly seed: number;
  readonly model?: ExecutionModel;
  /** Datasets are served from the in-memory grid (the data-loading share speeds up, execution-model.ts). */
  readonly dataFromGrid?: boolean;
  /** Deliver generated telemetry to the core (default true). */
  readonly telemetry?: boolean;
  /** Replay telemetry from real utilisation series (telemetry-replay.ts) instead of generating it. */
  readonly replay?: UtilisationReplay;
  /** Interval of the metrics time series and Jain averages (default 10 min of virtual time). */
  readonly sampleEveryMs?: number;
  readonly log?: DecisionLog;
  /** Tenant weights (e.g. Philly VC node counts); tenants not listed get weight 1. */
  readonly tenantWeights?: ReadonlyMap<string, number>;
  readonly onProgress?: (p: { simMs: number; submitted: number; finished: number }) => void;
  /** Stop when no job is running, the trace is exhausted and this many events passed with no launch. */
  readonly idleEventLimit?: number;
  /** Node failures to inject: the node is lost at `atMs` and ready again `downMs` later. */
  readonly failures?: ReadonlyArray<{ readonly nodeId: string; readonly atMs: number; readonly downMs: number }>;
  /** Check after every event that no node is over-committed (slow; for tests). */
  readonly checkInvariants?: boolean;
}

export interface SimResult {
  readonly policy: string;
  readonly cluster: string;
  readonly metrics: RunMetrics;
  readonly series: readonly SeriesPoint[];
  readonly jctSortedS: Float64Array;
  /** Events popped from the queue, and of those handled by the driver. */
  readonly events: number;
  readonly driverEvents: number;
  readonly peakAliveJobs: number;
  /** Per job, in finish order: id, first start and finish (ms) — for hand-checked tests. */
  readonly finishes: ReadonlyArray<{ readonly jobId: string; readonly submittedMs: number; readonly startedMs: number; readonly finishedMs: number }>;
  readonly recordFinishes: boolean;
}

export async function runSimulation(source: JobSource, options: SimOptions & { recordFinishes?: boolean }): Promise<SimResult> {
  const model = options.model ?? DEFAULT_MODEL;
  const rng = createRng(options.seed);
  const coreRng = rng.fork('core');
  const telemetryRng = rng.fork('telemetry');
  const queue = new EventQueue<SimEvent>(0);
  const capacity = options.cluster.nodes.reduce(
    (a, n) => ({ cpuMilli: a.cpuMilli + n.capacity.cpuMilli, gpuMilli: a.gpuMilli + n.capacity.gpuMilli, memMiB: a.memMiB + n.capacity.memMiB, netMbps: a.netMbps + n.capacity.netMbps }),
    { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 },
  );
  const clusterGpus = capacity.gpuMilli / 1000;
  const metrics = new MetricsCollector(capacity);
  const weights = new Map<string, number>();
  let weightSum = 0;
  const finishes: Array<{ jobId: string; submittedMs: number; startedMs: number; finishedMs: number }> = [];
  let finished = 0;

  const sim = new SimCluster({
    nodes: options.cluster.nodes, model, queue, metrics, rng: telemetryRng, telemetry: options.telemetry ?? true, ...(options.replay ? { replay: options.replay } : {}),
    onFinished: (job, nowMs) => {
      finished += 1;
      // ρ: run time on the tenant's weighted slice of the cluster (a job bigger than the slice runs proportionally slower).
      const slice = clusterGpus * ((weights.get(job.spec.tenantId) ?? 1) / Math.max(1, weightSum));
      const idealMs = job.durationMs * Math.max(1, job.gpus / Math.max(1e-9, slice));
      metrics.finished(job.spec.tenantId, nowMs - job.spec.submittedAtMs, job.durationMs, idealMs, nowMs, job.spec.deadlineMs);
      if (options.recordFinishes) finishes.push({ jobId: job.spec.id, submittedMs: job.spec.submittedAtMs, startedMs: job.firstStartMs ?? -1, finishedMs: nowMs });
    },
  });
  const driver = new Driver({
    reducer: options.policy.reducer,
    initialState: options.policy.initialState(),
    rng: coreRng,
    ports: { clock: queue, cluster: sim, timers: sim, ...(options.log ? { log: options.log } : {}) },
  });

  for (const node of options.cluster.nodes) driver.handle({ type: 'NodeRegistered', atMs: 0, node });

  const iterator = source[Symbol.asyncIterator]();
  let buffer: readonly SimJobInput[] = [];
  let at = 0;
  let exhausted = false;
  const nextJob = async (): Promise<SimJobInput | undefined> => {
    while (at >= buffer.length) {
      if (exhausted) return undefined;
      const r = await iterator.next();
      if (r.done) {
        exhausted = true;
        return undefined;
      }
      buffer = r.value;
      at = 0;
    }
    return buffer[at++];
  };

  for (const f of options.failures ?? []) {
    queue.push(f.atMs, PRIORITY.completion, { kind: 'node-down', nodeId: f.nodeId });
    queue.push(f.atMs + f.downMs, PRIORITY.completion, { kind: 'node-up', nodeId: f.nodeId });
  }

  let upcoming = await nextJob();
  if (upcoming) queue.push(upcoming.spec.submittedAtMs, PRIORITY.arrival, { kind: 'arrival' });
  const sampleEveryMs = options.sampleEveryMs ?? 600_000;
  queue.push(upcoming?.spec.submittedAtMs ?? 0, PRIORITY.measure, { kind: 'measure' });
  let submitted = 0;
  let peakAlive = 0;
  let idleEvents = 0;
  let lastRunning = -1;
  const idleLimit = options.idleEventLimit ?? 1000;
  const deliver = (e: Event | undefined): void => {
    if (e) driver.handle(e);
  };

  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    const p = ev.payload;
    switch (p.kind) {
      case 'arrival': {
        const job = upcoming;
        if (!job) break;
        const tenantId = job.spec.tenantId;
        if (!weights.has(tenantId)) {
          const weight = options.tenantWeights?.get(tenantId) ?? 1;
          weights.set(tenantId, weight);
          weightSum += weight;
          metrics.registerTenant(tenantId, weight);
          const tenant: Tenant = { id: tenantId, weight, tier: 'silver', guaranteed: { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 } };
          driver.handle({ type: 'TenantUpserted', atMs: queue.nowMs(), tenant });
        }
        sim.admit(job.spec, job.durationMs, job.cls, job.gpus, workMs(model, job.cls, job.durationMs, options.dataFromGrid ?? false));
        submitted += 1;
        driver.handle({ type: 'JobSubmitted', atMs: queue.nowMs(), job: job.spec });
        upcoming = await nextJob();
        if (upcoming) queue.push(Math.max(upcoming.spec.submittedAtMs, queue.nowMs()), PRIORITY.arrival, { kind: 'arrival' });
        break;
      }
      case 'finish':
        deliver(sim.finish(p.jobId, p.gen));
        break;
      case 'core':
        driver.handle(p.event);
        break;
      case 'timer':
        if (sim.timerIsLive(p.timerId, p.gen)) driver.handle({ type: 'TimerFired', atMs: queue.nowMs(), timerId: p.timerId, purpose: p.purpose });
        break;
      case 'migrated':
        deliver(sim.migrated(p.jobId, p.gen, p.toNodeIds));
        break;
      case 'node-down': {
        deliver(sim.nodeDown(p.nodeId));
        const stranded = sim.jobsOn(p.nodeId);
        if (stranded.length > 0) throw new Error(`policy left job(s) ${stranded.join(', ')} on lost node ${p.nodeId}`);
        break;
      }
      case 'node-up':
        deliver(sim.nodeUp(p.nodeId));
        break;
      case 'telemetry':
        deliver(sim.telemetry(p.jobId, p.gen, p.n));
        break;
      case 'measure':
        metrics.sample(queue.nowMs());
        if (!(exhausted && upcoming === undefined && sim.jobs.size === 0)) queue.push(queue.nowMs() + sampleEveryMs, PRIORITY.measure, { kind: 'measure' });
        break;
    }
    const alive = sim.jobs.size;
    if (alive > peakAlive) peakAlive = alive;
    if (options.checkInvariants) checkCapacity(sim);
    if (options.onProgress && queue.processed % 4096 === 0) options.onProgress({ simMs: queue.nowMs(), submitted, finished });
    if (exhausted && upcoming === undefined) {
      if (alive === 0) break;
      // Jobs that no policy decision can ever start (too big, or a policy that stopped scheduling) must not spin forever.
      const running = metrics.running;
      if (running === 0 && running === lastRunning) {
        idleEvents += 1;
        if (idleEvents > idleLimit) break;
      } else idleEvents = 0;
      lastRunning = running;
    }
  }
  metrics.sample(queue.nowMs());
  metrics.overloadedNodeMs = sim.overloadedNodeMs();
  options.onProgress?.({ simMs: queue.nowMs(), submitted, finished });
  return {
    policy: options.policy.name,
    cluster: options.cluster.name,
    metrics: metrics.summary(sim.jobs.size),
    series: metrics.series,
    jctSortedS: metrics.jctSorted(),
    events: queue.processed,
    driverEvents: driver.eventsHandled,
    peakAliveJobs: peakAlive,
    finishes,
    recordFinishes: options.recordFinishes ?? false,
  };
}

function checkCapacity(sim: SimCluster): void {
  for (const [id, free] of sim.freeByNode()) {
    if (free.cpuMilli < 0 || free.gpuMilli < 0 || free.memMiB < 0 || free.netMbps < 0) throw new Error(`node ${id} over-committed`);
  }
}

/** A JobSource from an in-memory list (tests, synthetic scenarios). */
export async function* fromArray(jobs: readonly SimJobInput[], batchSize = 1024): AsyncGenerator<readonly SimJobInput[]> {
  for (let i = 0; i < jobs.length; i += batchSize) yield jobs.slice(i, i + batchSize);
}
