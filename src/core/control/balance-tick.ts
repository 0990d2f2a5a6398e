// The predictive load balancer wired into the control reducer (issue 4). Off unless the options enable it, and then
// everything here is reached only through `state.balance`, so a run without it does no extra work.
//
// - TelemetrySampled: per-job samples (the simulator's and the agents') set that job's measured use per task on the
//   balanced dimension; a whole-node sample (no jobId) sets the node's measured use directly.
// - TimerFired{purpose:'balance'} every `intervalMs` while jobs run: each ready node's *used* load (node sample if
//   fresh, else the sum of its jobs' measured use, the request for jobs not measured yet, plus jobs migrating in) is
//   observed into a bounded ForecastBank (one rolling forecaster per node), the balancer plans from the forecasts,
//   and each planned move that still fits the target on every dimension becomes a MigrateJob (with its Reason).
// - The target's capacity is HELD from MigrateJob to MigrationCompleted (added to the node's allocation, not to its
//   job set or the tenant's share), so the scheduler cannot place another job there meanwhile.
import type { Command } from '../domain/commands.ts';
import type { Dimension, Resources } from '../domain/resources.ts';
import { planBalance } from '../balance/balance.ts';
import { balancerNodesFromBank, nodeLoadKey } from '../balance/from-forecasts.ts';
import type { BalancerConfig, BalancerJob, BalancerState } from '../balance/types.ts';
import { DEFAULT_BALANCER_CONFIG, INITIAL_BALANCER_STATE } from '../balance/types.ts';
import { DEFAULT_FORECASTER } from '../forecast/defaults.ts';
import { ForecastBank } from '../forecast/forecast-bank.ts';
import type { ForecasterKind } from '../forecast/forecaster.ts';
import { transition } from '../domain/job.ts';
import { InvalidInputError } from '../util/errors.ts';
import type { NodeTable } from '../scheduler/cycle-state.ts';
import type { ControlState, JobRecord, NodeRecord } from './state.ts';

export const BALANCER_FORECASTERS = ['naive', 'ewma', 'holt', 'arima'] as const;
export type BalancerForecaster = (typeof BALANCER_FORECASTERS)[number];

export interface BalancerOptions {
  /** Off by default: the balancer runs only when a profile/config asks for it. */
  readonly enabled?: boolean;
  /** Node-load forecaster. Default: DEFAULT_FORECASTER['node-load'] (naive; ARIMA did not measurably win). */
  readonly forecaster?: BalancerForecaster;
  /** Balance tick interval = one forecast step. Default 60 s. */
  readonly intervalMs?: number;
  /** Values kept per node (bounded history). Default 120. */
  readonly window?: number;
  /** Checkpoint size assumed per GPU when the job never reported one. Default 1024 MiB. */
  readonly snapshotMiBPerGpu?: number;
  /** Time a move stops the job besides the transfer (restore + restart). Default 10 s. */
  readonly pauseMs?: number;
  /** A node sample older than this many intervals is ignored in favour of the per-job sum. Default 2. */
  readonly nodeSampleMaxAgeIntervals?: number;
  /**
   * Steer new placements away from nodes predicted to overload, through the scheduler's forecast-headroom score
   * (a soft hint: the node's GPU headroom is set to what is left under the high watermark). Default false: on
   * the Philly day it cut overloaded node-hours but lengthened JCT (docs/results.md, "Load balancer").
   */
  readonly steer?: boolean;
  /** Balancer parameters (watermarks, horizon, rate limits…); stepMs follows intervalMs. */
  readonly config?: Partial<BalancerConfig>;
}

export interface ResolvedBalancerOptions {
  readonly forecaster: BalancerForecaster;
  readonly intervalMs: number;
  readonly window: number;
  readonly snapshotMiBPerGpu: number;
  readonly pauseMs: number;
  readonly nodeSampleMaxAgeIntervals: number;
  readonly steer: boolean;
  readonly config: BalancerConfig;
}

export interface BalanceRuntime {
  readonly options: ResolvedBalancerOptions;
  readonly bank: ForecastBank;
  plan: BalancerState;
  timerArmed: boolean;
  /** Last measured use per task of running jobs, on the balanced dimension. */
  readonly jobUse: Map<string, number>;
  /** Last whole-node sample, on the balanced dimension. */
  readonly nodeUse: Map<string, { atMs: number; used: number }>;
  /** Jobs migrating, by id: the nodes whose capacity is held for them (the same map as ControlState.migrationHolds). */
  readonly holds: Map<string, readonly string[]>;
  /** Nodes whose forecast headroom the balancer set (it owns NodeRecord.forecastHeadroom). */
  readonly steered: Set<string>;
  ticks: number;
  /** When the last tick observed the nodes' loads (forecast step 1 is one interval after it); undefined before the first. */
  lastTickMs: number | undefined;
  migrations: number;
}

export function createBalanceRuntime(options: BalancerOptions | undefined, holds: Map<string, readonly string[]> = new Map()): BalanceRuntime | undefined {
  if (!options?.enabled) return undefined;
  const forecaster = options.forecaster ?? (DEFAULT_FORECASTER['node-load'] as BalancerForecaster);
  if (!BALANCER_FORECASTERS.includes(forecaster)) throw new InvalidInputError(`unknown balancer forecaster '${String(forecaster)}' (known: ${BALANCER_FORECASTERS.join(', ')})`, { field: 'balancer.forecaster' });
  const intervalMs = options.intervalMs ?? 60_000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new InvalidInputError(`balancer intervalMs must be positive, got ${intervalMs}`, { field: 'balancer.intervalMs' });
  const window = options.window ?? 120;
  // Best-fit receivers by default: moving a small job onto an empty node would break the whole node a gang needs.
  const config: BalancerConfig = { ...DEFAULT_BALANCER_CONFIG, receiver: 'fullest', ...options.config, stepMs: intervalMs };
  const kind: ForecasterKind = forecaster;
  return {
    options: {
      forecaster, intervalMs, window, config,
      snapshotMiBPerGpu: options.snapshotMiBPerGpu ?? 1024,
      pauseMs: options.pauseMs ?? 10_000,
      nodeSampleMaxAgeIntervals: options.nodeSampleMaxAgeIntervals ?? 2,
      steer: options.steer ?? false,
    },
    // ARIMA: fixed small refit cadence over the bounded window keeps the per-tick cost to an O(1) filter update.
    bank: new ForecastBank({ kind, window, refitEvery: 30, minHistory: 30 }),
    plan: INITIAL_BALANCER_STATE,
    timerArmed: false,
    jobUse: new Map(),
    nodeUse: new Map(),
    holds,
    steered: new Set(),
    ticks: 0,
    lastTickMs: undefined,
    migrations: 0,
  };
}

export function armBalance(state: ControlState, now: number, out: Command[]): void {
  const b = state.balance;
  if (!b || b.timerArmed) return;
  b.timerArmed = true;
  out.push({ type: 'SetTimer', timerId: `balance-${++state.timerSeq}`, atMs: now + b.options.intervalMs, purpose: 'balance' });
}

/** A telemetry sample: remember the measured use (per task for a job sample, whole node otherwise). */
export function observeBalanceTelemetry(b: BalanceRuntime, sample: { readonly nodeId: string; readonly jobId?: string; readonly atMs: number; readonly used: Resources }): void {
  const used = sample.used[b.options.config.dimension];
  if (!Number.isFinite(used)) return;
  if (sample.jobId !== undefined) b.jobUse.set(sample.jobId, used);
  else b.nodeUse.set(sample.nodeId, { atMs: sample.atMs, used });
}

/** Drop what the balancer remembers about a job that no longer holds resources. */
export function forgetBalanceJob(b: BalanceRuntime, jobId: string): void {
  b.jobUse.delete(jobId);
}

// --- Held capacity on migration targets -------------------------------------------------------------------------

const DIMS = ['cpuMilli', 'gpuMilli', 'memMiB', 'netMbps'] as const;

function holdOnTable(table: NodeTable | undefined, index: number, request: Resources, sign: 1 | -1): void {
  if (!table || index < 0 || index >= table.n) return;
  // Allocation only: the held task is not running yet, so it must not count in the interference class counts.
  table.applyTask(index, request, 0, sign);
  (table.classCount[0] as Int32Array)[index]! -= sign;
}

export function holdTargets(state: ControlState, job: JobRecord, toNodeIds: readonly string[]): void {
  for (const id of toNodeIds) {
    const n = state.nodes.get(id);
    if (!n) continue;
    for (let d = 0; d < 4; d++) n.alloc[d] = (n.alloc[d] as number) + job.spec.request[DIMS[d]!];
    n.view = undefined;
    holdOnTable(state.table, n.index, job.spec.request, 1);
  }
  state.migrationHolds.set(job.spec.id, toNodeIds);
}

/** Releases the capacity held for a migrating job (at MigrationCompleted, or when it stops/preempts meanwhile). */
export function releaseHolds(state: ControlState, job: JobRecord): void {
  const held = state.migrationHolds.get(job.spec.id);
  if (!held) return;
  state.migrationHolds.delete(job.spec.id);
  for (const id of held) {
    const n = state.nodes.get(id);
    if (!n) continue;
    for (let d = 0; d < 4; d++) n.alloc[d] = (n.alloc[d] as number) - job.spec.request[DIMS[d]!];
    n.view = undefined;
    holdOnTable(state.table, n.index, job.spec.request, -1);
  }
}

/** Jobs migrating onto this node (to stop them when the node is lost mid-migration). */
export function jobsMigratingTo(holds: ReadonlyMap<string, readonly string[]>, nodeId: string): string[] {
  const out: string[] = [];
  for (const [jobId, ids] of holds) if (ids.includes(nodeId)) out.push(jobId);
  return out.sort();
}

// --- The tick ---------------------------------------------------------------------------------------------------

function isReady(n: NodeRecord): boolean {
  return n.node.status === 'ready';
}

function perTaskUse(b: BalanceRuntime, job: JobRecord, dim: Dimension): number {
  return b.jobUse.get(job.spec.id) ?? job.spec.request[dim];
}

/** The target still fits the job on every dimension (allocation includes other holds) and matches its selector. */
function fits(state: ControlState, job: JobRecord, nodeId: string): boolean {
  const n = state.nodes.get(nodeId);
  if (!n || !isReady(n)) return false;
  for (let d = 0; d < 4; d++) if ((n.alloc[d] as number) + job.spec.request[DIMS[d]!] > n.node.capacity[DIMS[d]!]) return false;
  const sel = job.spec.nodeSelector;
  if (sel) for (const [k, v] of Object.entries(sel)) if (n.node.labels?.[k] !== v) return false;
  for (const r of state.reservations) if (r.nodeIds.includes(nodeId)) return false;
  return true;
}

/** Sets the forecast headroom of nodes predicted hot (and clears it once they cool); the node table follows. */
function steer(state: ControlState, b: BalanceRuntime, hot: readonly { nodeId: string; predictedPeak: number }[]): void {
  const dim = b.options.config.dimension;
  const want = new Map<string, number>();
  for (const v of hot) {
    const n = state.nodes.get(v.nodeId);
    if (n) want.set(v.nodeId, Math.max(0, Math.round((b.options.config.highWatermark - v.predictedPeak) * n.node.capacity[dim])));
  }
  let changed = false;
  for (const id of b.steered) {
    if (want.has(id)) continue;
    const n = state.nodes.get(id);
    if (n) {
      n.forecastHeadroom = undefined;
      n.view = undefined;
    }
    b.steered.delete(id);
    changed = true;
  }
  for (const [id, room] of want) {
    const n = state.nodes.get(id) as NodeRecord;
    if (n.forecastHeadroom && n.forecastHeadroom[dim] === room) continue;
    n.forecastHeadroom = { ...n.node.capacity, [dim]: room };
    n.view = undefined;
    b.steered.add(id);
    changed = true;
  }
  // The node table copies headroom when it is built: rebuild it at the next snapshot (only when something changed).
  if (changed) state.table = undefined;
}

/** Same test as the balancer's verdict: does the upper bound (mean + z·se) cross the high watermark within H? */
function mayOverload(f: { readonly mean: readonly number[]; readonly se: readonly number[] }, c: BalancerConfig): boolean {
  const steps = Math.min(c.horizonSteps, Math.max(1, f.mean.length));
  for (let h = 0; h < steps; h++) {
    const m = f.mean[h] ?? f.mean[f.mean.length - 1] ?? 0;
    const s = f.se[h] ?? f.se[f.se.length - 1] ?? 0;
    if (m + c.z * (Number.isFinite(s) ? s : 0) > c.highWatermark) return true;
  }
  return false;
}

export function balanceTick(state: ControlState, now: number, out: Command[]): void {
  const b = state.balance;
  if (!b) return;
  b.timerArmed = false;
  b.ticks++;
  b.lastTickMs = now;
  const { config: c, intervalMs, nodeSampleMaxAgeIntervals } = b.options;
  const dim = c.dimension;

  // 1. Observe each ready node's used load (fraction of capacity) into its rolling forecaster.
  const incoming = new Map<string, number>();
  for (const [jobId, ids] of b.holds) {
    const job = state.jobs.get(jobId);
    if (job) for (const id of ids) incoming.set(id, (incoming.get(id) ?? 0) + perTaskUse(b, job, dim));
  }
  const nodes: { id: string; capacity: Resources; ready: boolean; load: number }[] = [];
  for (const id of [...state.nodes.keys()].sort()) {
    const n = state.nodes.get(id) as NodeRecord;
    const cap = n.node.capacity[dim];
    if (!isReady(n) || cap <= 0) {
      nodes.push({ id, capacity: n.node.capacity, ready: false, load: 0 });
      continue;
    }
    const sample = b.nodeUse.get(id);
    let used: number;
    if (sample && now - sample.atMs <= nodeSampleMaxAgeIntervals * intervalMs) used = sample.used;
    else {
      used = 0;
      for (const jobId of n.jobs) {
        const job = state.jobs.get(jobId);
        if (job) used += perTaskUse(b, job, dim);
      }
    }
    used += incoming.get(id) ?? 0;
    const load = used / cap;
    b.bank.observe(nodeLoadKey(id, dim), load);
    nodes.push({ id, capacity: n.node.capacity, ready: true, load });
  }

  // Most ticks find no node near the high watermark: then there is nothing to plan (the balancer's state only
  // ages, which its next real cycle does by time anyway), and the job list is not even built.
  const forecasts = balancerNodesFromBank(nodes, b.bank, dim, c.horizonSteps);
  if (b.plan.hotNodes.length === 0 && !forecasts.some((n) => n.ready && mayOverload(n.forecast, c))) {
    if (b.options.steer && b.steered.size > 0) steer(state, b, []);
    if (state.running.size > 0) armBalance(state, now, out);
    return;
  }

  // 2. Movable candidates: single-task jobs that are running (gangs are not moved: all tasks would have to move).
  const jobs: BalancerJob[] = [];
  for (const job of state.running.values()) {
    if (job.state !== 'running' || job.nodeIds.length !== 1) continue;
    const gpus = Math.max(1, job.spec.request.gpuMilli / 1000);
    const started = job.startedAtMs ?? job.runningSinceMs ?? now;
    const expected = job.spec.expectedDurationMs;
    jobs.push({
      id: job.spec.id,
      tenantId: job.spec.tenantId,
      nodeId: job.nodeIds[0] as string,
      request: job.spec.request,
      migratable: job.spec.migratable,
      snapshotMiB: gpus * b.options.snapshotMiBPerGpu,
      // MigrateJob writes a fresh checkpoint, so no progress is lost; the cost is the pause to restore and restart.
      checkpointAgeMs: b.options.pauseMs,
      ...(expected !== undefined ? { remainingMs: Math.max(0, expected - (now - started)) } : {}),
    });
  }
  // Jobs migrating in count on their target, so the balancer does not plan a second move into the same room.
  for (const [jobId, ids] of b.holds) {
    const job = state.jobs.get(jobId);
    if (job) jobs.push({ id: jobId, tenantId: job.spec.tenantId, nodeId: ids[0] as string, request: job.spec.request, migratable: false, snapshotMiB: 0, checkpointAgeMs: 0 });
  }

  const result = planBalance({
    nowMs: now,
    nodes: forecasts,
    jobs,
    config: c,
    state: b.plan,
  });
  b.plan = result.state;
  if (b.options.steer) steer(state, b, result.overloaded);

  // 3. Migrations that still fit everywhere become commands; the job checkpoints then migrates, target held.
  for (const m of result.migrations) {
    const job = state.jobs.get(m.jobId);
    if (!job || job.state !== 'running' || !job.spec.migratable) continue;
    if (job.nodeIds.join(',') !== m.fromNodeIds.join(',')) continue;
    if (!m.toNodeIds.every((id) => fits(state, job, id))) continue;
    job.state = transition(job.spec.id, job.state, 'checkpointing');
    job.state = transition(job.spec.id, job.state, 'migrating');
    holdTargets(state, job, m.toNodeIds);
    b.migrations++;
    out.push({ type: 'MigrateJob', jobId: m.jobId, fromNodeIds: m.fromNodeIds, toNodeIds: m.toNodeIds, reason: m.reason });
  }
  if (state.running.size > 0) armBalance(state, now, out);
}
