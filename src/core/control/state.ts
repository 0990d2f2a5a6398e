// The control state the reducer owns. For speed (the simulator drives millions of events through step) the reducer
// MUTATES this state in place and returns the same object; nothing else may write to it. Every structure is kept
// incrementally (maps by id, per-node and per-tenant running totals), so an event costs O(its own work), and a
// scheduling cycle costs O(nodes + running + pending·log pending).
import type { JobSpec, JobState } from '../domain/job.ts';
import type { Node } from '../domain/node.ts';
import type { Reason, Reservation } from '../domain/plan.ts';
import type { Resources } from '../domain/resources.ts';
import type { Tenant } from '../domain/tenant.ts';
import { DEFAULT_FAIRNESS_CONFIG, FairnessMonitor, NO_CORRECTIONS, type FairnessConfig, type FairnessCorrections, type FairnessReading } from '../fairness/monitor.ts';
import { Profiler } from '../profile/profiler.ts';
import { isQueueDepth, resolveProfile, type ProfileConfig, type ResolvedProfile } from '../scheduler/profiles.ts';
import type { NodeSnapshot, RunningJob } from '../scheduler/snapshot.ts';
import type { NodeTable } from '../scheduler/cycle-state.ts';
import { InvalidInputError } from '../util/errors.ts';
import { createBalanceRuntime, type BalanceRuntime, type BalancerOptions } from './balance-tick.ts';

export interface ControlConfig {
  /** Scheduler profile (resolved at start-up: unknown plugin names fail here). */
  readonly profile: ResolvedProfile;
  /**
   * A change (submission, exit, node event) arms one schedule timer this far ahead; changes meanwhile ride along.
   * 0 runs the cycle at the same instant, after the other events of that instant.
   */
  readonly cycleIntervalMs: number;
  readonly fairness: FairnessConfig;
  readonly profilerAlpha: number;
  readonly retainFinishedJobs: number;
}

export interface ControlOptions {
  readonly profile?: ProfileConfig | ResolvedProfile | string;
  readonly cycleIntervalMs?: number;
  readonly fairness?: Partial<FairnessConfig>;
  readonly profilerAlpha?: number;
  /** Predictive load balancer (off unless `enabled`). */
  readonly balancer?: BalancerOptions;
  /** Overrides the profile's queue depth (profiles.ts `queueDepth`): at most this many pending jobs per cycle. */
  readonly queueDepth?: number;
  /**
   * Finished jobs (succeeded, failed, cancelled) kept in `jobs` for late events and queries, the most recent first
   * out; older ones are forgotten so a long-running coordinator's memory stays bounded (its store keeps them all).
   * Default: all (the simulator reports on every job).
   */
  readonly retainFinishedJobs?: number;
}

/** A mutable PendingJob the state owns (the cycle only reads it). */
export interface QueueEntry {
  spec: JobSpec;
  enqueuedAtMs: number;
  postponements: number;
  attainedService: number;
}

export interface JobRecord {
  readonly spec: JobSpec;
  state: JobState;
  /** One node id per task while it holds resources (running, checkpointing, migrating). */
  nodeIds: readonly string[];
  startedAtMs?: number;
  /** When it last became running (attained service accrues from here). */
  runningSinceMs?: number;
  endedAtMs?: number;
  exitCode?: number;
  /** Resources × time received so far (GPU-milli·ms, or CPU-milli·ms for CPU-only jobs). */
  attainedService: number;
  queue?: QueueEntry;
  lastReasons?: readonly Reason[];
  /** `ControlState.cycles` of the last cycle that considered it while pending (within the queue depth). */
  consideredInCycle?: number;
  neverFits?: boolean;
  lastCheckpointId?: string;
  preemptions: number;
  /** Cached snapshot view while it holds resources; dropped when placement or demand changes. */
  runningView?: RunningJob;
  /** Workload class index of each task as counted in the node table (so a release undoes exactly that). */
  taskClasses?: number[];
}

export interface NodeRecord {
  node: Node;
  /** Sum of requests placed here, by dimension. */
  readonly alloc: number[];
  readonly cachedDatasets: Set<string>;
  forecastHeadroom?: Resources;
  lastHeartbeatMs: number;
  /** Position in ControlState.nodeOrder. */
  index: number;
  /** Jobs with at least one task here. */
  readonly jobs: Set<string>;
  /** Cached snapshot view, rebuilt when the record changes. */
  view?: NodeSnapshot;
}

export interface TenantRecord {
  tenant: Tenant;
  readonly alloc: number[];
  /** Held outside its jobs (grid memory, TenantHoldingsReported), by dimension: counts in its share, not its cap. */
  readonly held: number[];
  /** Sum of the total requests of its pending jobs, by dimension. */
  readonly pendingDemand: number[];
}

export interface LastCycle {
  readonly atMs: number;
  readonly placed: number;
  readonly postponed: number;
  readonly preempted: number;
  readonly nodesVisited: number;
  /** Pending jobs not considered: beyond the profile's queue depth. */
  readonly beyondDepth: number;
}

export interface ControlState {
  readonly config: ControlConfig;
  readonly tenants: Map<string, TenantRecord>;
  readonly nodes: Map<string, NodeRecord>;
  readonly jobs: Map<string, JobRecord>;
  /** Ids of finished jobs still in `jobs`, oldest first (only tracked when config.retainFinishedJobs is finite). */
  readonly finished: Set<string>;
  /** Pending jobs in arrival order (Map keeps insertion order). */
  readonly pending: Map<string, QueueEntry>;
  /** Jobs holding resources (running, checkpointing, migrating), in placement order. */
  readonly running: Map<string, JobRecord>;
  readonly profiler: Profiler;
  readonly monitor: FairnessMonitor;
  corrections: FairnessCorrections;
  lastReading?: FairnessReading;
  lastCycle?: LastCycle;
  scheduleTimerArmed: boolean;
  fairnessTimerArmed: boolean;
  timerSeq: number;
  cycles: number;
  /** Node ids in snapshot order (sorted), their records and views, rebuilt when a node is added. */
  nodeOrder: string[];
  nodeRecs: NodeRecord[];
  /** Reused across cycles: a snapshot is valid until the next step(). */
  nodeViews: NodeSnapshot[];
  nodeOrderDirty: boolean;
  /** Typed-array form of the nodes, kept incrementally; undefined = rebuild at the next snapshot. */
  table?: NodeTable;
  /** Nodes held for starving jobs, from the last cycle's plan (passed back so they stay put). */
  reservations: readonly Reservation[];
  /**
   * Jobs migrating, by id: the target nodes whose capacity is held for them until MigrationCompleted (or until they
   * stop). Shared by the balancer's moves and operator-requested ones (migrate.ts); the balancer's `holds` is this map.
   */
  readonly migrationHolds: Map<string, readonly string[]>;
  /** The load balancer's runtime, present only when it is enabled (balance-tick.ts). */
  readonly balance?: BalanceRuntime;
}

export function createControlState(options: ControlOptions = {}): ControlState {
  const p = options.profile ?? 'fairway';
  const resolved = typeof p === 'object' && 'queueSort' in p && typeof p.queueSort !== 'string' ? (p as ResolvedProfile) : resolveProfile(p as ProfileConfig | string);
  if (options.queueDepth !== undefined && !isQueueDepth(options.queueDepth)) {
    throw new InvalidInputError(`queueDepth must be a positive integer (or Infinity), got ${options.queueDepth}`, { field: 'queueDepth' });
  }
  const profile = options.queueDepth !== undefined ? { ...resolved, queueDepth: options.queueDepth } : resolved;
  const cycleIntervalMs = options.cycleIntervalMs ?? 1000;
  if (!Number.isFinite(cycleIntervalMs) || cycleIntervalMs < 0) throw new InvalidInputError(`cycleIntervalMs must be a non-negative number, got ${cycleIntervalMs}`, { field: 'cycleIntervalMs' });
  const fairness = { ...DEFAULT_FAIRNESS_CONFIG, ...options.fairness };
  const retainFinishedJobs = options.retainFinishedJobs ?? Number.POSITIVE_INFINITY;
  if (!(retainFinishedJobs >= 0) || (retainFinishedJobs !== Number.POSITIVE_INFINITY && !Number.isInteger(retainFinishedJobs))) {
    throw new InvalidInputError(`retainFinishedJobs must be a non-negative integer (or Infinity), got ${retainFinishedJobs}`, { field: 'retainFinishedJobs' });
  }
  const config: ControlConfig = { profile, cycleIntervalMs, fairness, profilerAlpha: options.profilerAlpha ?? 0.3, retainFinishedJobs };
  const migrationHolds = new Map<string, readonly string[]>();
  const balance = createBalanceRuntime(options.balancer, migrationHolds);
  return {
    config,
    tenants: new Map(),
    nodes: new Map(),
    jobs: new Map(),
    finished: new Set(),
    pending: new Map(),
    running: new Map(),
    profiler: new Profiler(config.profilerAlpha),
    monitor: new FairnessMonitor(fairness),
    corrections: NO_CORRECTIONS,
    scheduleTimerArmed: false,
    fairnessTimerArmed: false,
    timerSeq: 0,
    cycles: 0,
    nodeOrder: [],
    nodeRecs: [],
    nodeViews: [],
    nodeOrderDirty: false,
    reservations: [],
    migrationHolds,
    ...(balance ? { balance } : {}),
  };
}

/**
 * Changes the queue depth of a running state (profiles.ts `queueDepth`). The coordinator restores the jobs that were
 * running before a restart with an unbounded depth (every one must be re-placed in that one cycle, however many),
 * then applies its own.
 */
export function setQueueDepth(state: ControlState, queueDepth: number): void {
  if (!isQueueDepth(queueDepth)) throw new InvalidInputError(`queueDepth must be a positive integer (or Infinity), got ${queueDepth}`, { field: 'queueDepth' });
  (state as { config: ControlConfig }).config = { ...state.config, profile: { ...state.config.profile, queueDepth } };
}
