// The live coordinator: owns the durable state (through the StateStore port), feeds events to the control logic
// and executes the commands it returns (agent gateway queues, store writes). Every accepted submission and every
// state change is committed before it is acknowledged or handed to an agent.
import type { BalancerOptions } from '../core/control/balance-tick.ts';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Event, TimerPurpose } from '../core/domain/events.ts';
import { isTerminal, totalRequest, validateJobSpec, type JobState } from '../core/domain/job.ts';
import type { Node, NodeStatus } from '../core/domain/node.ts';
import type { Reason } from '../core/domain/plan.ts';
import { add, fits, resources, shares, ZERO, type Resources } from '../core/domain/resources.ts';
import { createControlState, explainJob, fairnessNow, migrationBlocker, setQueueDepth, step, type ControlState } from '../core/control/index.ts';
import { createRng } from '../core/util/rng.ts';
import { Driver } from '../runtime/driver.ts';
import type { ClusterPort, TimerPort } from '../runtime/ports.ts';
import type { Tenant } from '../core/domain/tenant.ts';
import { validateTenant } from '../core/domain/tenant.ts';
import { ConflictError, NotFoundError } from '../core/util/errors.ts';
import type { AgentCommand, FairnessView, Heartbeat, JobSubmission, MigrationView, NodeForecast, NodeRegister, StreamEvent, TenantCreate, TenantGridView, TenantUpdate } from '../wire/schemas.ts';
import type { Grid } from '../grid/grid.ts';
import type { ProfileConfig } from '../core/scheduler/profiles.ts';
import { NodeLoadForecasts, type NodeForecastOptions } from './node-forecasts.ts';
import { TenantGridUsagePoller } from './tenant-grid-usage.ts';
import { toJobSpec, toResources } from '../wire/job-spec.ts';
import { ForbiddenError, hashToken, newToken, type Principal, type Authenticator } from './auth.ts';
import { DuplicateSubmissionError, NeverFitsError } from './errors.ts';
import type { WaitExplanation } from './views.ts';
import { IdempotencyConflictError, type StateStore, type StoredJob, type StoredNode, type StoredTenant, type WriteOp } from './store/state-store.ts';

export interface CoordinatorOptions {
  readonly store: StateStore;
  readonly auth: Authenticator;
  readonly clock?: () => number;
  /** The core's cycle interval: a change arms one schedule timer this far ahead (changes meanwhile ride along). */
  readonly cycleIntervalMs?: number;
  /** Scheduler profile: a name, or a whole profile config (see src/core/scheduler/profiles.ts). */
  readonly profile?: string | ProfileConfig;
  /** Predictive load balancer (off unless `enabled`; src/core/control/balance-tick.ts). */
  readonly balancer?: BalancerOptions;
  /** How often a fairness point is stored for /v1/fairness/history (0: never). */
  readonly fairnessIntervalMs?: number;
  /** A node that has not sent a heartbeat for this long is lost (its jobs go back to the queue). 0: never. */
  readonly nodeTimeoutMs?: number;
  readonly seed?: number;
  /**
   * At most this many pending jobs per scheduling cycle, the first in priority order (Slurm's default_queue_depth);
   * the rest wait with the reason 'beyond-queue-depth'. Bounds a cycle's time on a deep queue. Default 1,000.
   */
  readonly queueDepth?: number;
  /** Per-node load forecasts from agent telemetry for /v1/cluster (./node-forecasts.ts); false: none. Default on, 5 s steps. */
  readonly forecast?: NodeForecastOptions | false;
  /** The data grid whose per-tenant usage /v1/fairness reports (the coordinator closes it); see attachGrid. */
  readonly grid?: Grid;
  /** How often the grid's per-tenant usage is read. Default 2 s. */
  readonly gridIntervalMs?: number;
  /**
   * Charge what each tenant holds in the attached grid (its memory) in its dominant share — fairness readings, queue
   * order, the fairness cap; never its hard cap. Default true: RAM a tenant keeps in the grid is RAM others lack.
   */
  readonly gridInShares?: boolean;
}

/** The coordinator's default queue depth (see CoordinatorOptions.queueDepth). */
export const DEFAULT_COORDINATOR_QUEUE_DEPTH = 1000;
/** Finished jobs the core keeps in memory (for late agent reports); older ones live only in the store. */
export const RETAIN_FINISHED_JOBS = 1000;
/** The coordinator's default cycle interval: changes within it share one cycle. */
export const DEFAULT_CYCLE_INTERVAL_MS = 100;

/** Migrations kept for /v1/cluster (planned and done, newest last). */
const RECENT_MIGRATIONS = 50;

/** `seenMs`: when the node last reached us, even if that heartbeat could not be stored (a full disk is not a lost node). */
interface NodeEntry { stored: StoredNode; usage?: Resources; seenMs?: number }

const vecToResources = (a: readonly number[]): Resources => resources({ cpuMilli: a[0] ?? 0, gpuMilli: a[1] ?? 0, memMiB: a[2] ?? 0, netMbps: a[3] ?? 0 });

export class Coordinator {
  readonly bus = new EventEmitter();
  /** Changes with every start of the coordinator: agents re-register (with their task list) when they see it change. */
  readonly instanceId = randomUUID();
  /** Told to agents (heartbeat and register replies) so they can fence their jobs with a shorter lease. */
  readonly nodeTimeoutMs: number;
  readonly counters = { submissions: 0, duplicates: 0, placements: 0, preemptions: 0, migrations: 0, cycles: 0, cycleMsTotal: 0, lastCycleMs: 0, transitions: 0 };
  private readonly store: StateStore;
  private readonly auth: Authenticator;
  private readonly clock: () => number;
  /** The shared driver (src/runtime) around the core's reducer: the one control loop, as in the simulator. */
  private readonly driver: Driver<ControlState>;
  private readonly tenants = new Map<string, StoredTenant>();
  private readonly nodes = new Map<string, NodeEntry>();
  /** Jobs not finished, as committed to the store. */
  private readonly active = new Map<string, StoredJob>();
  /** Where the core placed each job (known synchronously, before the placement's commit lands). */
  private readonly placedOn = new Map<string, readonly string[]>();
  /**
   * Migrations under way (MigrateJob sent): the source nodes that have not yet reported their task stopped, and the
   * targets. When the last source reports `migrated` the job is launched on the targets from its checkpoint and the
   * core hears MigrationCompleted — the adapter's half of the MigrateJob command, as the simulator's cluster does.
   */
  private readonly migrating = new Map<string, { waitingFor: Set<string>; from: readonly string[]; to: readonly string[] }>();
  private readonly inflightIdem = new Map<string, Promise<StoredJob>>();
  private readonly inflightWrites = new Set<Promise<void>>();
  private readonly agentQueues = new Map<string, AgentCommand[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly intervals: NodeJS.Timeout[] = [];
  /** While restoring after a restart: launches the core decides for jobs that were already running. */
  private restoring: Map<string, readonly string[]> | undefined;
  /**
   * After a restart: jobs stored as placed on a node that never reported them started there. Their LaunchJob may
   * have died with the previous process (queued, or its long-poll reply cut off by the crash), so nothing would ever
   * run them. An agent's push heartbeat carries every report it could not deliver while we were away, so once a node
   * has pushed twice since the restart without reporting the job started, its launch was lost: we send it again.
   * jobId → nodeId → pushes seen without a start.
   */
  private readonly unconfirmedLaunches = new Map<string, Map<string, number>>();
  private nextSeq: number;
  private closed = false;
  /** Load forecasts per node (undefined when turned off). */
  readonly nodeForecasts: NodeLoadForecasts | undefined;
  private gridUsage: TenantGridUsagePoller | undefined;
  private readonly gridIntervalMs: number;
  private readonly gridInShares: boolean;
  /** The holdings last fed to the core (canonical JSON), so an unchanged grid reading feeds nothing. */
  private lastHoldings = '[]';
  private readonly migrations: MigrationView[] = [];
  private lastCycleEndMs = 0;

  constructor(opts: CoordinatorOptions) {
    this.store = opts.store;
    this.auth = opts.auth;
    this.clock = opts.clock ?? Date.now;
    this.bus.setMaxListeners(0);
    const cluster: ClusterPort = {
      launch: (jobId, nodeIds, resumeFromCheckpointId) => this.onLaunch(jobId, nodeIds, resumeFromCheckpointId),
      stop: (jobId, reason) => this.sendToNodes(jobId, { type: 'StopJob', jobId, reason: { ...reason } }, true),
      checkpoint: (jobId, reason) => this.sendToNodes(jobId, { type: 'CheckpointJob', jobId, reason: { ...reason } }, false),
      migrate: (jobId, fromNodeIds, toNodeIds, reason) => this.onMigrate(jobId, fromNodeIds, toNodeIds, reason),
      preempt: (jobId, reason) => this.onPreempt(jobId, reason),
    };
    const timers: TimerPort = { set: (timerId, atMs, purpose) => this.setTimer(timerId, atMs, purpose) };
    this.driver = new Driver<ControlState>({
      reducer: step,
      initialState: createControlState({
        // Unbounded while restoring (every job running before a restart is re-placed in one cycle); see below.
        cycleIntervalMs: opts.cycleIntervalMs ?? DEFAULT_CYCLE_INTERVAL_MS, queueDepth: Number.POSITIVE_INFINITY,
        // Views of finished jobs come from the store; the core keeps only the recent ones (bounded memory).
        retainFinishedJobs: RETAIN_FINISHED_JOBS,
        ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.balancer ? { balancer: opts.balancer } : {}),
      }),
      rng: createRng(opts.seed ?? 1),
      ports: { clock: { nowMs: () => this.clock() }, cluster, timers },
    });
    this.restore();
    setQueueDepth(this.driver.state, opts.queueDepth ?? DEFAULT_COORDINATOR_QUEUE_DEPTH);
    this.nextSeq = this.store.maxJobSeq();
    const fi = opts.fairnessIntervalMs ?? 10_000;
    // Timer-driven writes have no caller to answer: a failed commit (store unavailable) is logged, never left as an
    // unhandled rejection that would take the whole coordinator down.
    const logFailure = (what: string) => (err: unknown): void => console.error(`fairway: ${what} failed: ${(err as Error).message}`);
    if (fi > 0) this.intervals.push(setInterval(() => void this.recordFairness().catch(logFailure('storing a fairness point')), fi).unref());
    if (opts.forecast !== false) {
      const nf = new NodeLoadForecasts(opts.forecast ?? {});
      this.nodeForecasts = nf;
      this.intervals.push(setInterval(() => {
        if (!this.closed) nf.tick(this.clock(), [...this.nodes.values()].map((n) => n.stored.node), this.driver.state.balance);
      }, nf.stepMs).unref());
    }
    this.gridIntervalMs = opts.gridIntervalMs ?? 2000;
    this.gridInShares = opts.gridInShares ?? true;
    if (opts.grid) this.attachGrid(opts.grid);
    const nodeTimeoutMs = opts.nodeTimeoutMs ?? 30_000;
    this.nodeTimeoutMs = nodeTimeoutMs;
    if (nodeTimeoutMs > 0) this.intervals.push(setInterval(() => void this.checkHeartbeats(nodeTimeoutMs).catch(logFailure('marking a node lost')), Math.max(100, nodeTimeoutMs / 3)).unref());
  }

  /** Rebuilds the core's state from the store after a (re)start: tenants, nodes, running jobs on their nodes, the queue. */
  private restore(): void {
    const now = this.clock();
    for (const t of this.store.loadTenants()) {
      this.tenants.set(t.tenant.id, t);
      this.auth.setTenantToken(t.tenant.id, t.tokenHash);
      this.feed({ type: 'TenantUpserted', atMs: now, tenant: t.tenant });
    }
    for (const n of this.store.loadNodes()) {
      // Agents get a full heartbeat timeout from the restart before they count as lost (the coordinator was away, not they).
      this.nodes.set(n.node.id, { stored: { ...n, lastHeartbeatMs: now } });
      this.usable = undefined;
      this.feed({ type: 'NodeRegistered', atMs: now, node: n.node });
    }
    const jobs = this.store.loadActiveJobs();
    for (const j of jobs) this.active.set(j.spec.id, j);
    const placed = jobs.filter((j) => j.state !== 'pending');
    if (placed.length > 0) {
      // Jobs placed before the restart are still running on their agents. Let the core place them, then move each
      // to the nodes it really holds (MigrationCompleted), so the core's books match the cluster; nothing is sent.
      this.restoring = new Map();
      for (const j of placed) this.feed({ type: 'JobSubmitted', atMs: now, job: j.spec });
      this.feed({ type: 'TimerFired', atMs: now, timerId: 'restore', purpose: 'schedule' });
      const launched = this.restoring;
      this.restoring = undefined;
      for (const j of placed) {
        const got = launched.get(j.spec.id);
        if (got) {
          this.placedOn.set(j.spec.id, j.nodeIds);
          this.noteUnconfirmedLaunch(j);
          if (got.join() !== j.nodeIds.join()) this.feed({ type: 'MigrationCompleted', atMs: now, jobId: j.spec.id, toNodeIds: j.nodeIds });
        } else {
          // Its nodes cannot hold it any more (gone, drained, shrunk): stop it there; it waits in the queue again.
          this.placedOn.set(j.spec.id, j.nodeIds);
          this.onPreempt(j.spec.id, { plugin: 'restore', code: 'not-restorable', message: 'its nodes could not hold it after a coordinator restart' });
        }
      }
    }
    for (const j of jobs) if (j.state === 'pending') this.feed({ type: 'JobSubmitted', atMs: now, job: j.spec });
  }

  /** Remembers the nodes of a restored job that have not reported it started since its latest placement. */
  private noteUnconfirmedLaunch(j: StoredJob): void {
    const events = this.store.jobEvents(j.spec.id);
    const lastPlaced = events.findLastIndex((e) => e.type === 'placed');
    const startedOn = new Set(events.slice(lastPlaced + 1).filter((e) => e.type === 'started').map((e) => String(e.data.nodeId)));
    const missing = [...new Set(j.nodeIds)].filter((n) => !startedOn.has(n));
    if (missing.length > 0) this.unconfirmedLaunches.set(j.spec.id, new Map(missing.map((n) => [n, 0])));
  }

  /** Called for each push heartbeat of a node after its reports are applied (see unconfirmedLaunches). */
  private confirmLaunches(nodeId: string, startedNow: ReadonlySet<string>): void {
    for (const [jobId, nodes] of this.unconfirmedLaunches) {
      const seen = nodes.get(nodeId);
      if (seen === undefined) continue;
      const j = this.active.get(jobId);
      if (startedNow.has(jobId) || !j || j.state !== 'running' || !j.nodeIds.includes(nodeId)) nodes.delete(nodeId);
      else if (seen + 1 < 2) nodes.set(nodeId, seen + 1);
      else {
        nodes.delete(nodeId);
        console.error(`fairway: ${jobId} was placed on ${nodeId} before the restart but never started there; launching it again`);
        this.enqueue(nodeId, this.launchCommand(j, j.nodeIds, this.driver.state.jobs.get(jobId)?.lastCheckpointId));
      }
      if (nodes.size === 0) this.unconfirmedLaunches.delete(jobId);
    }
  }

  /** Feeds one event to the shared driver (which runs the core's step and executes the commands through our ports). */
  private feed(event: Event): void {
    if (event.type === 'TimerFired' && event.purpose === 'schedule') {
      const t0 = performance.now();
      this.driver.handle(event);
      const ms = performance.now() - t0;
      this.counters.cycles++;
      this.counters.cycleMsTotal += ms;
      this.counters.lastCycleMs = ms;
      this.lastCycleEndMs = this.clock();
      return;
    }
    this.driver.handle(event);
  }

  private setTimer(timerId: string, atMs: number, purpose: TimerPurpose): void {
    const prev = this.timers.get(timerId);
    if (prev) clearTimeout(prev);
    if (this.closed) return;
    const now = this.clock();
    let delayMs = Math.max(0, atMs - now);
    // Live only: a cycle blocks the event loop, so keep a gap of 4× the last cycle's duration after it ends; under a
    // flood of submissions scheduling then takes at most about a fifth of the loop and requests keep flowing.
    if (purpose === 'schedule') delayMs = Math.max(delayMs, this.lastCycleEndMs + 4 * this.counters.lastCycleMs - now);
    const t = setTimeout(() => {
      this.timers.delete(timerId);
      if (!this.closed) this.feed({ type: 'TimerFired', atMs: this.clock(), timerId, purpose });
    }, delayMs);
    t.unref();
    this.timers.set(timerId, t);
  }

  /** Runs a write whose outcome nobody awaits directly (placements, requeues); `settle()` waits for them. */
  private track(p: Promise<void>): void {
    const q = p.catch((err: unknown) => {
      console.error(`fairway: commit failed: ${(err as Error).message}`);
    });
    this.inflightWrites.add(q);
    void q.finally(() => this.inflightWrites.delete(q));
  }

  /**
   * Commits a decision the core has already taken (a placement, a requeue), then applies it. The core's books and
   * the agents must not part ways when the store is briefly unavailable (full disk): a placement that is not stored
   * is not sent (the agent would run what the store does not know), yet the core counts the job as placed; a requeue
   * not stored would leave the job running on its node while the core places it again. So a failed commit is tried
   * again with backoff for as long as the decision still stands (`current()`), and applied once it lands.
   */
  private commitDecision(what: string, ops: () => WriteOp[], current: () => boolean, apply: () => void): void {
    const attempt = async (): Promise<void> => {
      for (let delayMs = 100; ; delayMs = Math.min(2000, delayMs * 2)) {
        try {
          await this.store.write(ops());
          apply();
          return;
        } catch (err) {
          if (this.closed || !current()) throw err;
          console.error(`fairway: ${what} not stored yet (${(err as Error).message}); retrying in ${delayMs} ms`);
          await new Promise((r) => setTimeout(r, delayMs));
          if (this.closed || !current()) throw err;
        }
      }
    };
    this.track(attempt());
  }

  /** Waits until every placement and requeue decided so far is committed and handed to the agent queues. */
  async settle(): Promise<void> {
    while (this.inflightWrites.size > 0) await Promise.all([...this.inflightWrites]);
  }

  // ---- ClusterPort: the agent gateway ----------------------------------------------------------------------

  private onLaunch(jobId: string, nodeIds: readonly string[], resumeFromCheckpointId?: string): void {
    this.placedOn.set(jobId, nodeIds);
    if (this.restoring) {
      this.restoring.set(jobId, nodeIds);
      return;
    }
    const now = this.clock();
    // Commit first; only then may an agent see the launch (a crash in between loses nothing: the job is still pending).
    this.commitDecision(`placement of ${jobId}`, () => [
      { type: 'updateJob', jobId, state: 'running', nodeIds, exitCode: null, atMs: now },
      { type: 'jobEvent', jobId, atMs: now, event: 'placed', data: { nodeIds } },
    ], () => this.placedOn.get(jobId) === nodeIds, () => {
      const j = this.active.get(jobId);
      if (!j) return;
      const next: StoredJob = { ...j, state: 'running', nodeIds, updatedAtMs: now };
      this.active.set(jobId, next);
      this.counters.placements++;
      this.counters.transitions++;
      this.sendLaunch(next, nodeIds, resumeFromCheckpointId);
      this.emit(() => ({ type: 'job', jobId, tenant: j.spec.tenantId, state: 'running', at: new Date(now).toISOString(), data: { nodeIds: [...nodeIds] } }));
    });
  }

  /** Hands a job's tasks to the agents of its nodes (one LaunchJob per node; the agent starts one task per command). */
  private sendLaunch(j: StoredJob, nodeIds: readonly string[], resumeFromCheckpointId?: string): void {
    for (const nodeId of new Set(nodeIds)) this.enqueue(nodeId, this.launchCommand(j, nodeIds, resumeFromCheckpointId));
  }

  private launchCommand(j: StoredJob, nodeIds: readonly string[], resumeFromCheckpointId?: string): AgentCommand {
    return {
      type: 'LaunchJob', jobId: j.spec.id, nodeIds: [...nodeIds], command: [...j.command], request: { ...j.spec.request },
      // FAIRWAY_TENANT names the grid namespace the SDK uses; set here, after the job's own variables, so it is the owner's.
      env: { ...j.env, FAIRWAY_TENANT: j.spec.tenantId }, ...(resumeFromCheckpointId ? { resumeFromCheckpointId } : {}),
    };
  }

  /**
   * MigrateJob: ask the source agents to checkpoint and stop the job's tasks (SIGUSR2 → the SDK checkpoints, exits 75,
   * the agent reports `migrated`); the relaunch on the targets happens when the last source has reported.
   */
  private onMigrate(jobId: string, fromNodeIds: readonly string[], toNodeIds: readonly string[], reason: Reason): void {
    const now = this.clock();
    this.migrating.set(jobId, { waitingFor: new Set(fromNodeIds), from: [...fromNodeIds], to: [...toNodeIds] });
    for (const n of new Set(fromNodeIds)) this.enqueue(n, { type: 'MigrateJob', jobId, nodeIds: [...toNodeIds], reason: { ...reason } });
    this.track(this.store.write([{ type: 'jobEvent', jobId, atMs: now, event: 'migrating', data: { from: [...fromNodeIds], to: [...toNodeIds], reason: { ...reason } } }]));
    // The dashboard lists migrations as they are planned and when they complete.
    const tenant = this.active.get(jobId)?.spec.tenantId;
    const at = new Date(now).toISOString();
    this.rememberMigration({ jobId, ...(tenant ? { tenant } : {}), phase: 'planned', from: [...fromNodeIds], to: [...toNodeIds], reason: reason.message, at });
    this.emit(() => ({ type: 'migration', jobId, ...(tenant ? { tenant } : {}), at, data: { phase: 'planned', from: [...fromNodeIds], to: [...toNodeIds], reason: reason.message } }));
  }

  /**
   * An operator asks for a running job to move (`POST /v1/jobs/:id/migrate`, `fairway migrate`). The core decides
   * (MigrationRequested → MigrateJob, the balancer's own path); a move it cannot make is a 409 naming why.
   */
  async requestMigration(jobId: string, toNodeIds: readonly string[], who: Principal): Promise<StoredJob> {
    const j = this.getJob(jobId, who);
    const blocker = migrationBlocker(this.driver.state, jobId, toNodeIds);
    if (blocker) throw new ConflictError(`cannot migrate job '${jobId}': ${blocker.message}`, { jobId, reason: { ...blocker } });
    const reason: Reason = { plugin: 'api', code: 'operator', message: `moved to ${toNodeIds.join(',')} by ${who.kind === 'tenant' ? `tenant '${who.tenantId}'` : who.kind}` };
    this.feed({ type: 'MigrationRequested', atMs: this.clock(), jobId, toNodeIds: [...toNodeIds], reason });
    await this.settle();
    return this.active.get(jobId) ?? j;
  }

  private onPreempt(jobId: string, reason: Reason): void {
    const now = this.clock();
    this.migrating.delete(jobId);
    const nodeIds = this.placedOn.get(jobId) ?? [];
    this.placedOn.delete(jobId);
    this.counters.preemptions++;
    this.commitDecision(`requeue of ${jobId}`, () => [
      { type: 'updateJob', jobId, state: 'pending', nodeIds: [], exitCode: null, atMs: now },
      { type: 'jobEvent', jobId, atMs: now, event: 'preempted', data: { nodeIds, reason: { ...reason } } },
    ], () => !this.placedOn.has(jobId) && this.active.has(jobId), () => {
      const j = this.active.get(jobId);
      if (j) this.active.set(jobId, { ...j, state: 'pending', nodeIds: [], updatedAtMs: now });
      for (const n of new Set(nodeIds)) this.enqueue(n, { type: 'PreemptJob', jobId, reason: { ...reason } });
      this.emit(() => ({ type: 'job', jobId, ...(j ? { tenant: j.spec.tenantId } : {}), state: 'pending', at: new Date(now).toISOString(), data: { preempted: true } }));
    });
  }

  private sendToNodes(jobId: string, c: AgentCommand, forget: boolean): void {
    const nodeIds = this.placedOn.get(jobId) ?? [];
    if (forget) this.placedOn.delete(jobId);
    for (const n of new Set(nodeIds)) this.enqueue(n, c);
  }

  // ---- tenants -------------------------------------------------------------------------------------------------

  async createTenant(input: TenantCreate): Promise<{ tenant: StoredTenant; token: string }> {
    if (this.tenants.has(input.id)) throw new ConflictError(`tenant '${input.id}' already exists`, { tenantId: input.id });
    const tenant: Tenant = validateTenant({
      id: input.id, weight: input.weight, tier: input.tier, guaranteed: toResources(input.quota),
      ...(input.cap ? { cap: toResources(input.cap) } : {}),
    });
    const token = newToken('fwt');
    const stored: StoredTenant = { tenant, tokenHash: hashToken(token), createdAtMs: this.clock() };
    await this.store.write([{ type: 'putTenant', tenant: stored }]);
    this.putTenantInMemory(stored);
    return { tenant: stored, token };
  }

  async updateTenant(id: string, patch: TenantUpdate): Promise<StoredTenant> {
    const cur = this.getTenant(id);
    const t = cur.tenant;
    const { cap: _oldCap, ...rest } = t;
    const capNext = patch.cap === null ? undefined : patch.cap !== undefined ? toResources(patch.cap) : t.cap;
    const tenant: Tenant = validateTenant({
      ...rest,
      weight: patch.weight ?? t.weight,
      tier: patch.tier ?? t.tier,
      guaranteed: patch.quota === null ? resources() : patch.quota !== undefined ? toResources(patch.quota) : t.guaranteed,
      ...(capNext ? { cap: capNext } : {}),
    });
    const stored: StoredTenant = { ...cur, tenant };
    await this.store.write([{ type: 'putTenant', tenant: stored }]);
    this.putTenantInMemory(stored);
    return stored;
  }

  async rotateToken(id: string): Promise<{ tenant: StoredTenant; token: string }> {
    const cur = this.getTenant(id);
    const token = newToken('fwt');
    const stored: StoredTenant = { ...cur, tokenHash: hashToken(token) };
    await this.store.write([{ type: 'putTenant', tenant: stored }]);
    this.tenants.set(id, stored);
    this.auth.setTenantToken(id, stored.tokenHash);
    return { tenant: stored, token };
  }

  private putTenantInMemory(t: StoredTenant): void {
    this.tenants.set(t.tenant.id, t);
    this.auth.setTenantToken(t.tenant.id, t.tokenHash);
    this.feed({ type: 'TenantUpserted', atMs: this.clock(), tenant: t.tenant });
  }

  getTenant(id: string): StoredTenant {
    const t = this.tenants.get(id);
    if (!t) throw new NotFoundError('tenant', id);
    return t;
  }

  listTenants(): StoredTenant[] {
    return [...this.tenants.values()].sort((a, b) => (a.tenant.id < b.tenant.id ? -1 : 1));
  }

  // ---- jobs ----------------------------------------------------------------------------------------------------

  /** Accepts a submission once it is durable. A replay of the same Idempotency-Key creates nothing. */
  async submit(tenantId: string, sub: JobSubmission, idempotency?: { key: string; bodyHash: string }): Promise<StoredJob> {
    const tenant = this.getTenant(tenantId);
    const now = this.clock();
    const k = idempotency ? `${tenantId}\u0000${idempotency.key}` : undefined;
    if (idempotency && k) {
      const inflight = this.inflightIdem.get(k);
      if (inflight) {
        const first = await inflight;
        this.counters.duplicates++;
        throw new DuplicateSubmissionError(first.spec.id, true);
      }
    }
    // No read of the idempotency table on the hot path: its primary key (tenant, key) makes the insert of a replay
    // fail, and only then is the prior job looked up (a replay of an accepted submission answers as before).
    const seq = ++this.nextSeq;
    let spec: StoredJob['spec'];
    try {
      spec = validateJobSpec(toJobSpec(sub, `j${seq}`, tenantId, now));
      this.checkCouldEverFit(spec, tenant.tenant);
    } catch (err) {
      // A replay whose first copy was accepted is a duplicate even if the cluster could no longer hold it.
      if (idempotency) this.throwIfReplayed(tenantId, idempotency);
      throw err;
    }
    const job: StoredJob = {
      seq, spec, command: sub.command, ...(sub.env ? { env: sub.env } : {}), state: 'pending', nodeIds: [], exitCode: null, updatedAtMs: now,
    };
    const write = this.store.write([
      { type: 'insertJob', job, ...(idempotency ? { idempotency } : {}) },
      { type: 'jobEvent', jobId: spec.id, atMs: now, event: 'submitted', data: {} },
    ]).then(() => job);
    if (k) this.inflightIdem.set(k, write);
    try {
      await write;
    } catch (err) {
      if (idempotency && err instanceof IdempotencyConflictError) this.throwIfReplayed(tenantId, idempotency);
      throw err;
    } finally {
      if (k) this.inflightIdem.delete(k);
    }
    this.counters.submissions++;
    this.active.set(spec.id, job);
    this.feed({ type: 'JobSubmitted', atMs: now, job: spec });
    this.emit(() => ({ type: 'job', jobId: spec.id, tenant: tenantId, state: 'pending', at: new Date(now).toISOString() }));
    return job;
  }

  /** Throws DuplicateSubmissionError when the store already holds a submission with this Idempotency-Key. */
  private throwIfReplayed(tenantId: string, idempotency: { key: string; bodyHash: string }): void {
    const prior = this.store.idempotency(tenantId, idempotency.key);
    if (!prior) return;
    this.counters.duplicates++;
    throw new DuplicateSubmissionError(prior.jobId, prior.bodyHash === idempotency.bodyHash);
  }

  private checkCouldEverFit(spec: StoredJob['spec'], tenant: Tenant): void {
    const total = totalRequest(spec);
    if (tenant.cap && !fits(total, tenant.cap)) {
      throw new NeverFitsError(`job needs more than tenant '${tenant.id}' may ever hold (its cap)`, { field: 'request', request: total, cap: tenant.cap });
    }
    const usable = this.usableCapacities();
    // With no node registered yet we cannot tell; the job waits with a reason instead.
    if (usable.length === 0) return;
    if (!usable.some((c) => fits(spec.request, c))) {
      throw new NeverFitsError('no node of the cluster could ever hold one task of this job', { field: 'request', request: spec.request, nodes: usable.length });
    }
    const cluster = this.usable!.total;
    if (!fits(total, cluster)) throw new NeverFitsError('the whole gang needs more than the cluster has', { field: 'gangSize', request: total, cluster });
  }

  /** Capacities of the nodes not down, and their sum; kept until a node changes (not rebuilt per submission). */
  private usable: { list: Resources[]; total: Resources } | undefined;

  private usableCapacities(): Resources[] {
    if (!this.usable) {
      const list = [...this.nodes.values()].filter((n) => n.stored.node.status !== 'down').map((n) => n.stored.node.capacity);
      this.usable = { list, total: list.reduce(add, ZERO) };
    }
    return this.usable.list;
  }

  /** Throws NotFoundError unless `who` may see the job (a tenant sees only its own; the answer does not reveal others' ids). */
  getJob(id: string, who: Principal): StoredJob {
    const j = this.active.get(id) ?? this.store.getJob(id);
    if (!j || (who.kind === 'tenant' && j.spec.tenantId !== who.tenantId)) throw new NotFoundError('job', id);
    return j;
  }

  /** "Why is my job waiting?" from the core's own queries. */
  explain(jobId: string): WaitExplanation | undefined {
    const st = this.driver.state;
    if (!st.jobs.has(jobId)) return undefined;
    const now = this.clock();
    const e = explainJob(st, jobId, now);
    if (e.state !== 'pending') return undefined;
    const { starving, ...priority } = e.priority ?? ({} as Record<string, number> & { starving?: boolean });
    const profile = st.config.profile;
    return {
      position: e.position ?? 0,
      queueLength: e.queueLength,
      ...(e.priority ? { priority: priority as Record<string, number> } : {}),
      reasons: e.reasons,
      neverFits: e.neverFits,
      postponements: e.postponements,
      estimatedStartMs: e.estimatedStartMs ?? null,
      reservation: e.reservation ?? null,
      starving: starving === true,
      // Reservations exist only under a profile that blocks for starving jobs, and only after the starvation guard.
      reservesAfterMs: profile.blocking === 'starving' && Number.isFinite(profile.priority.starvationGuardMs) ? profile.priority.starvationGuardMs : null,
      runningWithoutDuration: [...st.running.values()].some((r) => r.spec.expectedDurationMs === undefined),
      lastCycleMs: st.lastCycle?.atMs ?? null,
    };
  }

  async cancel(id: string, who: Principal): Promise<StoredJob> {
    const j = this.getJob(id, who);
    if (isTerminal(j.state)) throw new ConflictError(`job '${id}' already ${j.state}`, { jobId: id, state: j.state });
    const now = this.clock();
    const next: StoredJob = { ...j, state: 'cancelled', updatedAtMs: now };
    await this.store.write([
      { type: 'updateJob', jobId: id, state: 'cancelled', nodeIds: j.nodeIds, exitCode: j.exitCode, atMs: now },
      { type: 'jobEvent', jobId: id, atMs: now, event: 'cancelled', data: { by: who.kind } },
    ]);
    this.finish(next);
    this.feed({ type: 'JobCancelled', atMs: now, jobId: id });
    return next;
  }

  /** Bookkeeping when a job reaches a terminal state (after its commit). */
  private finish(next: StoredJob): void {
    this.active.delete(next.spec.id);
    this.migrating.delete(next.spec.id);
    this.counters.transitions++;
    this.emit(() => ({ type: 'job', jobId: next.spec.id, tenant: next.spec.tenantId, state: next.state, at: new Date(next.updatedAtMs).toISOString() }));
  }

  // ---- nodes and the agent gateway -------------------------------------------------------------------------

  /**
   * An agent (re-)registers, listing the tasks it runs. Reconciliation, so that no job runs twice: tasks the core
   * still counts on this node are re-adopted; tasks it does not (finished, cancelled, requeued meanwhile, unknown)
   * are stopped there. If the core counts a task here that the agent no longer runs (the agent restarted and lost
   * it), the node's previous incarnation is lost: its jobs go back to the queue (NodeLost) before the node rejoins.
   */
  registerNode(reg: NodeRegister): Promise<StoredNode> {
    return this.serialisedForNode(reg.id, () => this.registerNodeNow(reg));
  }

  /**
   * Runs `fn` after every earlier registration or heartbeat commit of this node has been applied. A registration
   * compares the agent's task list with the jobs the core counts on the node; read while a heartbeat that reports a
   * job's exit is still committing, the finished job would look lost and be requeued (seen: a succeeded job
   * preempted, placed again and left 'running' for ever after a coordinator restart).
   */
  private serialisedForNode<T>(nodeId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.nodeTurns.get(nodeId) ?? Promise.resolve();
    const run = prev.then(fn);
    const turn = run.then(() => undefined, () => undefined);
    this.nodeTurns.set(nodeId, turn);
    void turn.then(() => { if (this.nodeTurns.get(nodeId) === turn) this.nodeTurns.delete(nodeId); });
    return run;
  }

  private readonly nodeTurns = new Map<string, Promise<void>>();

  private async registerNodeNow(reg: NodeRegister): Promise<StoredNode> {
    // Reports the agent could not deliver (its jobs that ended while we were away) count first: a finished job is
    // then no longer expected here, instead of looking lost and sending the node's every job back to the queue.
    const known = this.nodes.get(reg.id);
    if (reg.reports && reg.reports.length > 0 && known && known.stored.node.status !== 'down') {
      await this.applyHeartbeat(reg.id, { reports: reg.reports, logs: [], telemetry: [], waitMs: 0 });
    }
    const now = this.clock();
    const prev = this.nodes.get(reg.id);
    const status: NodeStatus = prev && prev.stored.node.status === 'draining' ? 'draining' : 'ready';
    const node: Node = { id: reg.id, capacity: toResources(reg.capacity), labels: reg.labels, status };
    const stored: StoredNode = { node, lastHeartbeatMs: now };
    const reported = new Set(reg.jobs ?? []);
    const coreNode = prev && prev.stored.node.status !== 'down' ? this.driver.state.nodes.get(reg.id) : undefined;
    const expected = [...(coreNode?.jobs ?? [])].sort();
    // Only a task the agent was already handed can be lost: one whose launch is still being committed, or queued for
    // the agent (placed just now, e.g. by the first cycle after a coordinator restart), simply has not started yet.
    const queuedLaunches = new Set((this.agentQueues.get(reg.id) ?? []).filter((c) => c.type === 'LaunchJob').map((c) => c.jobId));
    // A launch that may have died with a previous coordinator is resent by the unconfirmed-launch check instead.
    const handedOver = (id: string): boolean => {
      const j = this.active.get(id);
      return j !== undefined && j.state !== 'pending' && j.nodeIds.includes(reg.id) && !queuedLaunches.has(id) && !this.unconfirmedLaunches.get(id)?.has(reg.id);
    };
    const lost = expected.filter((id) => !reported.has(id) && handedOver(id));
    const readopt = lost.length === 0 ? expected.filter((id) => reported.has(id)) : [];
    const unexpected = [...reported].filter((id) => !expected.includes(id)).sort();
    const ops: WriteOp[] = [{ type: 'putNode', node: stored }];
    for (const id of readopt) ops.push({ type: 'jobEvent', jobId: id, atMs: now, event: 'readopted', data: { nodeId: reg.id } });
    await this.store.write(ops);
    this.nodes.set(reg.id, { stored });
    this.usable = undefined;
    const why = (code: string, message: string): Reason => ({ plugin: 'registration', code, message });
    for (const id of unexpected) this.enqueue(reg.id, { type: 'StopJob', jobId: id, reason: why('not-expected', `job '${id}' is not expected on node '${reg.id}'`) });
    if (lost.length > 0) {
      // PreemptJob goes to this node too for the tasks it still runs: the whole job restarts from its checkpoint.
      this.feed({ type: 'NodeLost', atMs: now, nodeId: reg.id });
    }
    this.feed({ type: 'NodeRegistered', atMs: now, node });
    this.emit(() => ({ type: 'node', at: new Date(now).toISOString(), data: { nodeId: reg.id, status, readopted: readopt.length, stopped: unexpected.length, requeued: lost.length > 0 ? expected.length : 0 } }));
    return stored;
  }

  async setNodeStatus(id: string, status: NodeStatus): Promise<StoredNode> {
    const n = this.nodes.get(id);
    if (!n) throw new NotFoundError('node', id);
    const now = this.clock();
    const stored: StoredNode = { ...n.stored, node: { ...n.stored.node, status } };
    await this.store.write([{ type: 'putNode', node: stored }]);
    n.stored = stored;
    this.usable = undefined;
    this.feed({ type: 'NodeStatusChanged', atMs: now, nodeId: id, status });
    this.emit(() => ({ type: 'node', at: new Date(now).toISOString(), data: { nodeId: id, status } }));
    return stored;
  }

  private async checkHeartbeats(timeoutMs: number): Promise<void> {
    const now = this.clock();
    for (const n of this.nodes.values()) {
      const last = Math.max(n.stored.lastHeartbeatMs ?? 0, n.seenMs ?? 0);
      if (n.stored.node.status === 'down' || now - last < timeoutMs) continue;
      const stored: StoredNode = { ...n.stored, node: { ...n.stored.node, status: 'down' } };
      // Marked down only once stored: a failed write leaves the node as it was (the next check tries again).
      await this.store.write([{ type: 'putNode', node: stored }]);
      n.stored = stored;
      this.usable = undefined;
      if (this.closed) return;
      this.feed({ type: 'NodeLost', atMs: now, nodeId: stored.node.id });
      this.emit(() => ({ type: 'node', at: new Date(now).toISOString(), data: { nodeId: stored.node.id, status: 'down' } }));
    }
  }

  listNodes(): { stored: StoredNode; allocated: Resources; used?: Resources }[] {
    const st = this.driver.state;
    return [...this.nodes.values()]
      .sort((a, b) => (a.stored.node.id < b.stored.node.id ? -1 : 1))
      .map((n) => ({ stored: n.stored, allocated: vecToResources(st.nodes.get(n.stored.node.id)?.alloc ?? []), ...(n.usage ? { used: n.usage } : {}) }));
  }

  /** An agent's heartbeat: commits its reports, then hands it the commands queued for its node (long-polling if asked). */
  async heartbeat(nodeId: string, hb: Heartbeat): Promise<AgentCommand[]> {
    // Its reports are committed and applied in the node's turn (see serialisedForNode); the long-poll wait is not.
    await this.serialisedForNode(nodeId, () => this.applyHeartbeat(nodeId, hb));
    return this.takeCommands(nodeId, hb.waitMs);
  }

  private async applyHeartbeat(nodeId: string, hb: Heartbeat): Promise<void> {
    const n = this.nodes.get(nodeId);
    if (!n) throw new NotFoundError('node', nodeId);
    if (n.stored.node.status === 'down') {
      // Its jobs were requeued when it was declared lost; it must register again (and start clean) to get work.
      throw new ConflictError(`node '${nodeId}' was declared lost; register it again`, { nodeId, status: 'down' });
    }
    const now = this.clock();
    n.seenMs = now;
    const ops: WriteOp[] = [];
    const after: (() => void)[] = [];
    const events: Event[] = [];
    const checkpointed = new Map<string, string>();
    for (const r of hb.reports) {
      const j = this.active.get(r.jobId);
      // Reports about jobs this node does not hold (finished, cancelled, requeued meanwhile) change nothing.
      if (!j || j.state === 'pending' || !j.nodeIds.includes(nodeId)) continue;
      if (r.type === 'started') {
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'started', data: { nodeId } });
        events.push({ type: 'JobStarted', atMs: now, jobId: r.jobId });
      } else if (r.type === 'exited') {
        const state: JobState = r.exitCode === 0 ? 'succeeded' : 'failed';
        const next: StoredJob = { ...j, state, exitCode: r.exitCode, updatedAtMs: now };
        ops.push({ type: 'updateJob', jobId: r.jobId, state, nodeIds: j.nodeIds, exitCode: r.exitCode, atMs: now });
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: state, data: { nodeId, exitCode: r.exitCode, ...(r.reason ? { reason: r.reason } : {}) } });
        after.push(() => { this.finish(next); this.placedOn.delete(r.jobId); });
        events.push({ type: 'ProcessExited', atMs: now, jobId: r.jobId, exitCode: r.exitCode, ...(r.reason ? { reason: r.reason } : {}) });
      } else if (r.type === 'checkpointed') {
        checkpointed.set(r.jobId, r.checkpointId);
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'checkpointed', data: { checkpointId: r.checkpointId, sizeMiB: r.sizeMiB } });
        events.push({ type: 'CheckpointCompleted', atMs: now, jobId: r.jobId, checkpointId: r.checkpointId, sizeMiB: r.sizeMiB });
      } else {
        // One source task has checkpointed and stopped. Once all have, the job moves: committed, then launched on
        // the targets from the checkpoint, then the core hears MigrationCompleted.
        const m = this.migrating.get(r.jobId);
        if (m) {
          m.waitingFor.delete(nodeId);
          if (m.waitingFor.size > 0) continue;
          this.migrating.delete(r.jobId);
        }
        const to = m ? m.to : r.toNodeIds;
        // The checkpoint the job wrote on its way out is usually reported in this same heartbeat, just before.
        const resume = checkpointed.get(r.jobId) ?? this.driver.state.jobs.get(r.jobId)?.lastCheckpointId;
        const next: StoredJob = { ...j, nodeIds: to, updatedAtMs: now };
        ops.push({ type: 'updateJob', jobId: r.jobId, state: j.state, nodeIds: to, exitCode: j.exitCode, atMs: now });
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'migrated', data: { from: j.nodeIds, to, ...(resume ? { checkpointId: resume } : {}) } });
        after.push(() => {
          this.active.set(j.spec.id, next);
          this.placedOn.set(j.spec.id, to);
          this.counters.migrations++;
          this.sendLaunch(next, to, resume);
          this.rememberMigration({ jobId: r.jobId, tenant: j.spec.tenantId, phase: 'done', from: [...j.nodeIds], to: [...to], at: new Date(now).toISOString() });
          this.emit(() => ({ type: 'migration', jobId: r.jobId, tenant: j.spec.tenantId, at: new Date(now).toISOString(), data: { phase: 'done', from: [...j.nodeIds], to: [...to] } }));
        });
        events.push({ type: 'MigrationCompleted', atMs: now, jobId: r.jobId, toNodeIds: to });
      }
    }
    const lines = hb.logs.filter((l) => this.active.get(l.jobId)?.nodeIds.includes(nodeId)).map((l) => ({ jobId: l.jobId, atMs: now, stream: l.stream, line: l.line }));
    if (lines.length > 0) ops.push({ type: 'logs', lines });
    const stored: StoredNode = { ...n.stored, lastHeartbeatMs: now };
    ops.push({ type: 'putNode', node: stored });
    await this.store.write(ops);
    n.stored = stored;
    for (const f of after) f();
    // Watchers (the dashboard) get the new log lines on the event stream — one event per job and heartbeat — so they
    // follow progress without polling logs. Nobody watching: nothing to build.
    if (lines.length > 0 && this.bus.listenerCount('logs') > 0) this.emitLogs(lines, now);
    for (const t of hb.telemetry) {
      const used = toResources({ cpu: t.cpu, memoryMiB: t.memoryMiB, gpu: t.gpu, netMbps: t.netMbps });
      if (!t.jobId) {
        n.usage = used;
        this.nodeForecasts?.sample(nodeId, used, now);
      }
      // Samples of jobs that no longer hold resources (finished in this very heartbeat, requeued) would only leave
      // profiler state behind for jobs that are gone.
      if (t.jobId && !this.driver.state.running.has(t.jobId)) continue;
      events.push({ type: 'TelemetrySampled', atMs: now, sample: { nodeId, ...(t.jobId ? { jobId: t.jobId } : {}), atMs: now, used } });
    }
    events.push({ type: 'NodeHeartbeat', atMs: now, nodeId });
    for (const e of events) this.feed(e);
    if (hb.waitMs === 0 && this.unconfirmedLaunches.size > 0) {
      this.confirmLaunches(nodeId, new Set(hb.reports.filter((r) => r.type === 'started' || r.type === 'exited').map((r) => r.jobId)));
    }
  }

  private async takeCommands(nodeId: string, waitMs: number): Promise<AgentCommand[]> {
    const q = this.agentQueues.get(nodeId);
    if ((q && q.length > 0) || waitMs === 0 || this.closed) {
      this.agentQueues.delete(nodeId);
      return q ?? [];
    }
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(nodeId) ?? new Set();
      this.waiters.set(nodeId, set);
      const done = (): void => { clearTimeout(timer); set.delete(done); resolve(); };
      const timer = setTimeout(done, waitMs);
      set.add(done);
    });
    const got = this.agentQueues.get(nodeId) ?? [];
    this.agentQueues.delete(nodeId);
    return got;
  }

  private enqueue(nodeId: string, c: AgentCommand): void {
    const q = this.agentQueues.get(nodeId) ?? [];
    q.push(c);
    this.agentQueues.set(nodeId, q);
    for (const w of this.waiters.get(nodeId) ?? []) w();
  }

  // ---- the scheduling loop -----------------------------------------------------------------------------------

  /** Runs a scheduling cycle now (the core also runs one on its own timer after each change) and waits for its commits. */
  async runCycle(): Promise<void> {
    this.feed({ type: 'TimerFired', atMs: this.clock(), timerId: 'manual', purpose: 'schedule' });
    await this.settle();
  }

  lastCycle(): { atMs: number; durationMs: number; pending: number; placed: number } | undefined {
    const c = this.driver.state.lastCycle;
    return c ? { atMs: c.atMs, durationMs: this.counters.lastCycleMs, pending: c.placed + c.postponed + c.beyondDepth, placed: c.placed } : undefined;
  }

  // ---- fairness and utilisation ----------------------------------------------------------------------------

  fairness(): FairnessView {
    const now = this.clock();
    const st = this.driver.state;
    const f = fairnessNow(st, now).current;
    const counts = new Map<string, { running: number; pending: number }>();
    for (const j of st.running.values()) {
      const e = counts.get(j.spec.tenantId) ?? { running: 0, pending: 0 };
      e.running++;
      counts.set(j.spec.tenantId, e);
    }
    for (const q of st.pending.values()) {
      const e = counts.get(q.spec.tenantId) ?? { running: 0, pending: 0 };
      e.pending++;
      counts.set(q.spec.tenantId, e);
    }
    let total = ZERO;
    let allocated = ZERO;
    for (const n of st.nodes.values()) {
      if (n.node.status === 'down') continue;
      total = add(total, n.node.capacity);
      allocated = add(allocated, vecToResources(n.alloc));
    }
    return {
      at: new Date(now).toISOString(),
      jainRaw: f.jainRaw,
      jainNormalised: f.jainNormalised,
      utilisation: shares(allocated, total),
      tenants: f.tenants.map((t) => ({
        tenant: t.id, weight: this.tenants.get(t.id)?.tenant.weight ?? 1, share: t.share, fairShare: t.fairShare, rho: t.rho,
        running: counts.get(t.id)?.running ?? 0, pending: counts.get(t.id)?.pending ?? 0,
      })),
      tenantCount: this.tenants.size,
      grid: this.gridUsage
        ? { kind: this.gridUsage.kind, at: this.gridUsage.at === null ? null : new Date(this.gridUsage.at).toISOString(), tenants: this.gridUsage.of([...this.tenants.keys()].sort()) }
        : null,
    };
  }

  /**
   * The grid whose per-tenant usage /v1/fairness reports (read in the background every gridIntervalMs); replaces
   * (and closes) one attached before. The coordinator closes it on close().
   */
  attachGrid(grid: Grid): void {
    const prev = this.gridUsage;
    this.gridUsage = new TenantGridUsagePoller(grid, this.clock, this.gridIntervalMs, this.gridInShares ? (u) => this.chargeGridHoldings(u) : undefined);
    if (!this.closed) this.gridUsage.start();
    if (prev) void prev.close();
  }

  /** Feeds the core what each known tenant holds in the grid (memory, MiB rounded up), when it changed. */
  private chargeGridHoldings(usage: ReadonlyMap<string, TenantGridView>): void {
    if (this.closed) return;
    const holdings = [...usage.values()]
      .filter((u) => u.memMiB > 0 && this.tenants.has(u.tenant))
      .sort((a, b) => (a.tenant < b.tenant ? -1 : 1))
      .map((u) => ({ tenantId: u.tenant, held: { cpuMilli: 0, gpuMilli: 0, memMiB: u.memMiB, netMbps: 0 } }));
    const key = JSON.stringify(holdings);
    if (key === this.lastHoldings) return;
    this.lastHoldings = key;
    this.feed({ type: 'TenantHoldingsReported', atMs: this.clock(), holdings });
  }

  /** Reads the grid's usage now (tests; the poller does it on its own every gridIntervalMs). */
  async refreshGridUsage(): Promise<void> {
    await this.gridUsage?.poll();
  }

  /** Per-node load forecasts (telemetry, and the balancer's own when it runs). */
  forecasts(): NodeForecast[] {
    if (!this.nodeForecasts) return [];
    return this.nodeForecasts.forecasts([...this.nodes.values()].map((n) => n.stored.node), this.driver.state.balance);
  }

  /** Runs one forecast step now (tests; the coordinator does it every step on its own). */
  forecastTick(): void {
    this.nodeForecasts?.tick(this.clock(), [...this.nodes.values()].map((n) => n.stored.node), this.driver.state.balance);
  }

  balancerEnabled(): boolean {
    return this.driver.state.balance !== undefined;
  }

  /** Moves under way (the balancer's or an operator's; their targets are held) and the last ones planned or done, newest first. */
  migrationsView(): { planned: MigrationView[]; recent: MigrationView[] } {
    const holds = this.driver.state.migrationHolds;
    const planned: MigrationView[] = [];
    if (holds) {
      for (const [jobId, to] of [...holds.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const m = [...this.migrations].reverse().find((x) => x.jobId === jobId && x.phase === 'planned');
        const tenant = this.driver.state.jobs.get(jobId)?.spec.tenantId;
        planned.push(m ?? { jobId, ...(tenant ? { tenant } : {}), phase: 'planned', from: [...(this.placedOn.get(jobId) ?? [])], to: [...to], at: new Date(this.clock()).toISOString() });
      }
    }
    return { planned, recent: [...this.migrations].reverse() };
  }

  private emitLogs(lines: readonly { jobId: string; stream: 'stdout' | 'stderr'; line: string }[], now: number): void {
    const byJob = new Map<string, { stream: string; line: string }[]>();
    for (const l of lines) {
      const list = byJob.get(l.jobId) ?? [];
      list.push({ stream: l.stream, line: l.line });
      byJob.set(l.jobId, list);
    }
    const at = new Date(now).toISOString();
    for (const [jobId, list] of byJob) {
      const tenant = this.active.get(jobId)?.spec.tenantId;
      // A channel of its own: only streams that asked for logs (/v1/events?logs=1) listen to it.
      this.bus.emit('logs', { type: 'logs', jobId, ...(tenant ? { tenant } : {}), at, data: { lines: list } } satisfies StreamEvent);
    }
  }

  private rememberMigration(m: MigrationView): void {
    this.migrations.push(m);
    if (this.migrations.length > RECENT_MIGRATIONS) this.migrations.splice(0, this.migrations.length - RECENT_MIGRATIONS);
  }

  private async recordFairness(): Promise<void> {
    const f = this.fairness();
    await this.store.write([{ type: 'fairness', point: { atMs: Date.parse(f.at), data: { jainRaw: f.jainRaw, jainNormalised: f.jainNormalised, utilisation: f.utilisation } } }]);
  }

  fairnessHistory(sinceMs: number, limit: number): { at: string; jainRaw: number; jainNormalised: number; utilisation: Record<string, number> }[] {
    return this.store.fairnessHistory(sinceMs, limit).map((p) => ({ at: new Date(p.atMs).toISOString(), ...(p.data as { jainRaw: number; jainNormalised: number; utilisation: Record<string, number> }) }));
  }

  listJobs(q: Parameters<StateStore['listJobs']>[0]): StoredJob[] {
    return this.store.listJobs(q);
  }

  countJobs(): Record<string, number> {
    return this.store.countJobs();
  }

  jobEvents(jobId: string): ReturnType<StateStore['jobEvents']> {
    return this.store.jobEvents(jobId);
  }

  logs(jobId: string, afterSeq: number, limit: number): ReturnType<StateStore['logs']> {
    return this.store.logs(jobId, afterSeq, limit);
  }

  queueLength(): number {
    return this.driver.state.pending.size;
  }

  /** Jobs in the core's state, recently finished ones included (bounded by RETAIN_FINISHED_JOBS). */
  coreJobs(): number {
    return this.driver.state.jobs.size;
  }

  activeJobs(): number {
    return this.active.size;
  }

  requireTenantAccess(who: Principal, tenantId: string): void {
    if (who.kind === 'admin') return;
    if (who.kind === 'tenant' && who.tenantId === tenantId) return;
    throw new ForbiddenError(`not allowed to act for tenant '${tenantId}'`);
  }

  /** Publishes a live event; built only when someone listens (no per-submission work when no dashboard is open). */
  private emit(make: () => StreamEvent): void {
    if (this.bus.listenerCount('event') === 0) return;
    this.bus.emit('event', make());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.intervals) clearInterval(t);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.settle();
    await this.gridUsage?.close();
    for (const set of this.waiters.values()) for (const w of set) w();
  }
}
