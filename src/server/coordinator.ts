// The live coordinator: owns the durable state (through the StateStore port), feeds events to the control logic
// and executes the commands it returns (agent gateway queues, store writes). Every accepted submission and every
// state change is committed before it is acknowledged or handed to an agent.
import { EventEmitter } from 'node:events';
import type { Command } from '../core/domain/commands.ts';
import type { Event } from '../core/domain/events.ts';
import { isTerminal, totalRequest, validateJobSpec, type JobState } from '../core/domain/job.ts';
import type { Node, NodeStatus } from '../core/domain/node.ts';
import { add, dominantShare, fits, resources, shares, sub, ZERO, type Resources } from '../core/domain/resources.ts';
import type { Tenant } from '../core/domain/tenant.ts';
import { validateTenant } from '../core/domain/tenant.ts';
import { ConflictError, NotFoundError } from '../core/util/errors.ts';
import type { AgentCommand, FairnessView, Heartbeat, JobSubmission, NodeRegister, StreamEvent, TenantCreate, TenantUpdate } from '../wire/schemas.ts';
import { toJobSpec, toResources } from '../wire/job-spec.ts';
import { ForbiddenError, hashToken, newToken, type Principal, type Authenticator } from './auth.ts';
import type { ControlPort } from './control-port.ts';
import { DuplicateSubmissionError, NeverFitsError } from './errors.ts';
import { InterimControl } from './interim-control.ts';
import type { StateStore, StoredJob, StoredNode, StoredTenant, WriteOp } from './store/state-store.ts';

export interface CoordinatorOptions {
  readonly store: StateStore;
  readonly auth: Authenticator;
  readonly control?: ControlPort;
  readonly clock?: () => number;
  /** Shortest gap between two scheduling cycles triggered by events. */
  readonly cycleDelayMs?: number;
  /** Periodic cycle even without events (aging, retries). */
  readonly tickMs?: number;
  readonly fairnessIntervalMs?: number;
  /** A node whose last heartbeat is older than this is marked down and its jobs requeued (0: never). */
  readonly nodeTimeoutMs?: number;
}

interface NodeEntry { stored: StoredNode; allocated: Resources; usage?: Resources }

export class Coordinator {
  readonly bus = new EventEmitter();
  readonly counters = { submissions: 0, duplicates: 0, placements: 0, cycles: 0, cycleMsTotal: 0, lastCycleMs: 0, transitions: 0 };
  private readonly store: StateStore;
  private readonly auth: Authenticator;
  private readonly control: ControlPort;
  private readonly clock: () => number;
  private readonly tenants = new Map<string, StoredTenant>();
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly active = new Map<string, StoredJob>();
  private readonly inflightIdem = new Map<string, Promise<StoredJob>>();
  private readonly agentQueues = new Map<string, AgentCommand[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private nextSeq: number;
  private cycleTimer: NodeJS.Timeout | undefined;
  private cycling: Promise<void> | undefined;
  private cycleAgain = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly cycleDelayMs: number;
  private readonly startedAtMs: number;

  constructor(opts: CoordinatorOptions) {
    this.store = opts.store;
    this.auth = opts.auth;
    this.control = opts.control ?? new InterimControl();
    this.clock = opts.clock ?? Date.now;
    this.cycleDelayMs = opts.cycleDelayMs ?? 20;
    this.startedAtMs = this.clock();
    this.bus.setMaxListeners(0);
    const now = this.clock();
    for (const t of this.store.loadTenants()) {
      this.tenants.set(t.tenant.id, t);
      this.auth.setTenantToken(t.tenant.id, t.tokenHash);
      this.control.handle({ type: 'TenantUpserted', atMs: now, tenant: t.tenant }, now);
    }
    for (const n of this.store.loadNodes()) {
      this.nodes.set(n.node.id, { stored: n, allocated: ZERO });
      this.control.handle({ type: 'NodeRegistered', atMs: now, node: n.node }, now);
    }
    // Resume the schedule: pending jobs queue again, placed jobs keep their nodes.
    for (const j of this.store.loadActiveJobs()) {
      this.active.set(j.spec.id, j);
      if (j.state === 'pending') this.control.handle({ type: 'JobSubmitted', atMs: now, job: j.spec }, now);
      else {
        if (this.control instanceof InterimControl) this.control.restoreRunning(j.spec, j.nodeIds);
        this.allocate(j, +1);
      }
    }
    this.nextSeq = this.store.maxJobSeq();
    if (opts.tickMs !== 0) this.timers.push(setInterval(() => this.requestCycle(), opts.tickMs ?? 1000).unref());
    const fi = opts.fairnessIntervalMs ?? 10_000;
    if (fi > 0) this.timers.push(setInterval(() => void this.recordFairness(), fi).unref());
    if (this.active.size > 0) this.requestCycle();
    const nodeTimeoutMs = opts.nodeTimeoutMs ?? 15_000;
    if (nodeTimeoutMs > 0) {
      this.timers.push(setInterval(() => void this.checkNodeTimeouts(nodeTimeoutMs), Math.max(100, Math.min(1000, nodeTimeoutMs / 3))).unref());
    }
  }

  /** Marks nodes down whose heartbeats stopped; their jobs go back to the queue and resume from their checkpoints. */
  private async checkNodeTimeouts(timeoutMs: number): Promise<void> {
    const now = this.clock();
    for (const n of [...this.nodes.values()]) {
      // After a restart, agents get a full timeout from our start to check in again.
      const last = Math.max(n.stored.lastHeartbeatMs ?? 0, this.startedAtMs);
      if (n.stored.node.status !== 'down' && now - last > timeoutMs) await this.markNodeLost(n.stored.node.id);
    }
  }

  /** A lost node: down, its queued commands dropped, its running jobs pending again (same id, so same checkpoints). */
  async markNodeLost(nodeId: string): Promise<void> {
    const n = this.nodes.get(nodeId);
    if (!n || n.stored.node.status === 'down') return;
    const now = this.clock();
    const stored: StoredNode = { ...n.stored, node: { ...n.stored.node, status: 'down' } };
    const ops: WriteOp[] = [{ type: 'putNode', node: stored }];
    const lost = [...this.active.values()].filter((j) => j.state !== 'pending' && j.nodeIds.includes(nodeId));
    for (const j of lost) {
      ops.push({ type: 'updateJob', jobId: j.spec.id, state: 'pending', nodeIds: [], exitCode: null, atMs: now });
      ops.push({ type: 'jobEvent', jobId: j.spec.id, atMs: now, event: 'requeued', data: { reason: 'node-lost', nodeId } });
    }
    await this.store.write(ops);
    n.stored = stored;
    this.agentQueues.delete(nodeId);
    for (const j of lost) {
      this.allocate(j, -1);
      this.active.set(j.spec.id, { ...j, state: 'pending', nodeIds: [], updatedAtMs: now });
      this.emit({ type: 'job', jobId: j.spec.id, tenant: j.spec.tenantId, state: 'pending', at: new Date(now).toISOString(), data: { reason: 'node-lost', nodeId } });
    }
    this.execute(this.control.handle({ type: 'NodeLost', atMs: now, nodeId }, now));
    this.emit({ type: 'node', at: new Date(now).toISOString(), data: { nodeId, status: 'down' } });
    this.requestCycle();
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
    this.requestCycle();
    return stored;
  }

  async rotateToken(id: string): Promise<{ tenant: StoredTenant; token: string }> {
    const cur = this.getTenant(id);
    const token = newToken('fwt');
    const stored: StoredTenant = { ...cur, tokenHash: hashToken(token) };
    await this.store.write([{ type: 'putTenant', tenant: stored }]);
    this.putTenantInMemory(stored);
    return { tenant: stored, token };
  }

  private putTenantInMemory(t: StoredTenant): void {
    this.tenants.set(t.tenant.id, t);
    this.auth.setTenantToken(t.tenant.id, t.tokenHash);
    const now = this.clock();
    this.execute(this.control.handle({ type: 'TenantUpserted', atMs: now, tenant: t.tenant }, now));
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
    if (idempotency) {
      const k = `${tenantId}\u0000${idempotency.key}`;
      const inflight = this.inflightIdem.get(k);
      if (inflight) {
        const first = await inflight;
        this.counters.duplicates++;
        throw new DuplicateSubmissionError(first.spec.id, true);
      }
      const prior = this.store.idempotency(tenantId, idempotency.key);
      if (prior) {
        this.counters.duplicates++;
        throw new DuplicateSubmissionError(prior.jobId, prior.bodyHash === idempotency.bodyHash);
      }
    }
    const seq = ++this.nextSeq;
    const spec = validateJobSpec(toJobSpec(sub, `j${seq}`, tenantId, now));
    this.checkCouldEverFit(spec, tenant.tenant);
    const job: StoredJob = {
      seq, spec, command: sub.command, ...(sub.env ? { env: sub.env } : {}), state: 'pending', nodeIds: [], exitCode: null, updatedAtMs: now,
    };
    const ops: WriteOp[] = [
      { type: 'insertJob', job, ...(idempotency ? { idempotency } : {}) },
      { type: 'jobEvent', jobId: spec.id, atMs: now, event: 'submitted', data: {} },
    ];
    const write = this.store.write(ops).then(() => job);
    const k = idempotency ? `${tenantId}\u0000${idempotency.key}` : undefined;
    if (k) this.inflightIdem.set(k, write);
    try {
      await write;
    } finally {
      if (k) this.inflightIdem.delete(k);
    }
    this.counters.submissions++;
    this.active.set(spec.id, job);
    this.execute(this.control.handle({ type: 'JobSubmitted', atMs: now, job: spec }, now));
    this.emit({ type: 'job', jobId: spec.id, tenant: tenantId, state: 'pending', at: new Date(now).toISOString() });
    this.requestCycle();
    return job;
  }

  private checkCouldEverFit(spec: StoredJob['spec'], tenant: Tenant): void {
    const total = totalRequest(spec);
    if (tenant.cap && !fits(total, tenant.cap)) {
      throw new NeverFitsError(`job needs more than tenant '${tenant.id}' may ever hold (its cap)`, { field: 'request', request: total, cap: tenant.cap });
    }
    const usable = [...this.nodes.values()].filter((n) => n.stored.node.status !== 'down').map((n) => n.stored.node.capacity);
    // With no node registered yet we cannot tell; the job waits with a reason instead.
    if (usable.length === 0) return;
    if (!usable.some((c) => fits(spec.request, c))) {
      throw new NeverFitsError('no node of the cluster could ever hold one task of this job', { field: 'request', request: spec.request, nodes: usable.length });
    }
    const cluster = usable.reduce(add, ZERO);
    if (!fits(total, cluster)) throw new NeverFitsError('the whole gang needs more than the cluster has', { field: 'gangSize', request: total, cluster });
  }

  /** Throws NotFoundError unless `who` may see the job (a tenant sees only its own; the answer does not reveal others' ids). */
  getJob(id: string, who: Principal): StoredJob {
    const j = this.active.get(id) ?? this.store.getJob(id);
    if (!j || (who.kind === 'tenant' && j.spec.tenantId !== who.tenantId)) throw new NotFoundError('job', id);
    return j;
  }

  explain(jobId: string): ReturnType<ControlPort['explain']> {
    return this.control.explain(jobId);
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
    this.finish(j, next);
    this.execute(this.control.handle({ type: 'JobCancelled', atMs: now, jobId: id }, now), j.nodeIds);
    this.requestCycle();
    return next;
  }

  /** Bookkeeping when a job reaches a terminal state (after its commit). */
  private finish(prev: StoredJob, next: StoredJob): void {
    if (prev.nodeIds.length > 0 && !isTerminal(prev.state)) this.allocate(prev, -1);
    this.active.delete(prev.spec.id);
    this.counters.transitions++;
    this.emit({ type: 'job', jobId: next.spec.id, tenant: next.spec.tenantId, state: next.state, at: new Date(next.updatedAtMs).toISOString() });
  }

  private allocate(j: StoredJob, sign: 1 | -1): void {
    for (const id of j.nodeIds) {
      const n = this.nodes.get(id);
      if (n) n.allocated = sign > 0 ? add(n.allocated, j.spec.request) : sub(n.allocated, j.spec.request);
    }
  }

  // ---- nodes and the agent gateway -------------------------------------------------------------------------

  async registerNode(reg: NodeRegister): Promise<StoredNode> {
    const now = this.clock();
    const prev = this.nodes.get(reg.id);
    const status: NodeStatus = prev && prev.stored.node.status === 'draining' ? 'draining' : 'ready';
    const node: Node = { id: reg.id, capacity: toResources(reg.capacity), labels: reg.labels, status };
    const stored: StoredNode = { node, lastHeartbeatMs: now };
    await this.store.write([{ type: 'putNode', node: stored }]);
    this.nodes.set(reg.id, { stored, allocated: prev?.allocated ?? ZERO });
    this.execute(this.control.handle({ type: 'NodeRegistered', atMs: now, node }, now));
    this.emit({ type: 'node', at: new Date(now).toISOString(), data: { nodeId: reg.id, status } });
    this.requestCycle();
    return stored;
  }

  async setNodeStatus(id: string, status: NodeStatus): Promise<StoredNode> {
    const n = this.nodes.get(id);
    if (!n) throw new NotFoundError('node', id);
    const now = this.clock();
    const stored: StoredNode = { ...n.stored, node: { ...n.stored.node, status } };
    await this.store.write([{ type: 'putNode', node: stored }]);
    n.stored = stored;
    this.execute(this.control.handle({ type: 'NodeStatusChanged', atMs: now, nodeId: id, status }, now));
    this.emit({ type: 'node', at: new Date(now).toISOString(), data: { nodeId: id, status } });
    this.requestCycle();
    return stored;
  }

  listNodes(): { stored: StoredNode; allocated: Resources }[] {
    return [...this.nodes.values()].sort((a, b) => (a.stored.node.id < b.stored.node.id ? -1 : 1));
  }

  /** An agent's heartbeat: commits its reports, then hands it the commands queued for its node (long-polling if asked). */
  async heartbeat(nodeId: string, hb: Heartbeat): Promise<AgentCommand[]> {
    const n = this.nodes.get(nodeId);
    if (!n) throw new NotFoundError('node', nodeId);
    const now = this.clock();
    const ops: WriteOp[] = [];
    const after: (() => void)[] = [];
    const events: Event[] = [];
    for (const r of hb.reports) {
      const j = this.active.get(r.jobId);
      // Reports about jobs this node does not hold (finished, cancelled meanwhile) change nothing.
      if (!j || !j.nodeIds.includes(nodeId)) continue;
      if (r.type === 'started') {
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'started', data: { nodeId } });
        events.push({ type: 'JobStarted', atMs: now, jobId: r.jobId });
      } else if (r.type === 'exited') {
        const state: JobState = r.exitCode === 0 ? 'succeeded' : 'failed';
        const next: StoredJob = { ...j, state, exitCode: r.exitCode, updatedAtMs: now };
        ops.push({ type: 'updateJob', jobId: r.jobId, state, nodeIds: j.nodeIds, exitCode: r.exitCode, atMs: now });
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: state, data: { nodeId, exitCode: r.exitCode, ...(r.reason ? { reason: r.reason } : {}) } });
        after.push(() => this.finish(j, next));
        events.push({ type: 'ProcessExited', atMs: now, jobId: r.jobId, exitCode: r.exitCode, ...(r.reason ? { reason: r.reason } : {}) });
      } else if (r.type === 'checkpointed') {
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'checkpointed', data: { checkpointId: r.checkpointId, sizeMiB: r.sizeMiB } });
        events.push({ type: 'CheckpointCompleted', atMs: now, jobId: r.jobId, checkpointId: r.checkpointId, sizeMiB: r.sizeMiB });
      } else {
        const next: StoredJob = { ...j, nodeIds: r.toNodeIds, updatedAtMs: now };
        ops.push({ type: 'updateJob', jobId: r.jobId, state: j.state, nodeIds: r.toNodeIds, exitCode: j.exitCode, atMs: now });
        ops.push({ type: 'jobEvent', jobId: r.jobId, atMs: now, event: 'migrated', data: { from: j.nodeIds, to: r.toNodeIds } });
        after.push(() => { this.allocate(j, -1); this.allocate(next, +1); this.active.set(j.spec.id, next); });
        events.push({ type: 'MigrationCompleted', atMs: now, jobId: r.jobId, toNodeIds: r.toNodeIds });
      }
    }
    const lines = hb.logs.filter((l) => this.active.get(l.jobId)?.nodeIds.includes(nodeId)).map((l) => ({ jobId: l.jobId, atMs: now, stream: l.stream, line: l.line }));
    if (lines.length > 0) ops.push({ type: 'logs', lines });
    const stored: StoredNode = { ...n.stored, lastHeartbeatMs: now };
    ops.push({ type: 'putNode', node: stored });
    await this.store.write(ops);
    n.stored = stored;
    for (const f of after) f();
    for (const t of hb.telemetry) {
      const used = toResources({ cpu: t.cpu, memoryMiB: t.memoryMiB, gpu: t.gpu, netMbps: t.netMbps });
      if (!t.jobId) n.usage = used;
      events.push({ type: 'TelemetrySampled', atMs: now, sample: { nodeId, ...(t.jobId ? { jobId: t.jobId } : {}), atMs: now, used } });
    }
    events.push({ type: 'NodeHeartbeat', atMs: now, nodeId });
    for (const e of events) this.execute(this.control.handle(e, now));
    if (after.length > 0) this.requestCycle();
    return this.takeCommands(nodeId, hb.waitMs);
  }

  private async takeCommands(nodeId: string, waitMs: number): Promise<AgentCommand[]> {
    const q = this.agentQueues.get(nodeId);
    if ((q && q.length > 0) || waitMs === 0) {
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

  /** Asks for a cycle soon; events arriving meanwhile share it. */
  requestCycle(): void {
    if (this.cycleTimer) return;
    this.cycleTimer = setTimeout(() => {
      this.cycleTimer = undefined;
      void this.runCycle();
    }, this.cycleDelayMs);
    this.cycleTimer.unref();
  }

  /** Runs one scheduling cycle now (serialised: a cycle asked for during another runs right after it). */
  async runCycle(): Promise<void> {
    if (this.cycling) {
      this.cycleAgain = true;
      return this.cycling;
    }
    this.cycling = (async () => {
      do {
        this.cycleAgain = false;
        const now = this.clock();
        const commands = this.control.handle({ type: 'TimerFired', atMs: now, timerId: 'schedule', purpose: 'schedule' }, now);
        const stats = this.control.lastCycle();
        this.counters.cycles++;
        if (stats) { this.counters.cycleMsTotal += stats.durationMs; this.counters.lastCycleMs = stats.durationMs; }
        await this.executeDurably(commands);
      } while (this.cycleAgain);
    })();
    try {
      await this.cycling;
    } finally {
      this.cycling = undefined;
    }
  }

  /** Commands that change job state are committed first; only then do agents see them. */
  private async executeDurably(commands: readonly Command[]): Promise<void> {
    const now = this.clock();
    const ops: WriteOp[] = [];
    const after: (() => void)[] = [];
    for (const c of commands) {
      if (c.type !== 'LaunchJob') continue;
      const j = this.active.get(c.jobId);
      if (!j) continue;
      const next: StoredJob = { ...j, state: 'running', nodeIds: c.nodeIds, updatedAtMs: now };
      ops.push({ type: 'updateJob', jobId: c.jobId, state: 'running', nodeIds: c.nodeIds, exitCode: null, atMs: now });
      ops.push({ type: 'jobEvent', jobId: c.jobId, atMs: now, event: 'placed', data: { nodeIds: c.nodeIds } });
      after.push(() => {
        this.active.set(c.jobId, next);
        this.allocate(next, +1);
        this.counters.placements++;
        this.counters.transitions++;
        this.emit({ type: 'job', jobId: c.jobId, tenant: j.spec.tenantId, state: 'running', at: new Date(now).toISOString(), data: { nodeIds: c.nodeIds } });
      });
    }
    if (ops.length > 0) await this.store.write(ops);
    for (const f of after) f();
    this.execute(commands);
  }

  /** Hands agent-facing commands to the gateway queues. `nodeIdsHint` names the nodes of a job already forgotten. */
  private execute(commands: readonly Command[], nodeIdsHint: readonly string[] = []): void {
    for (const c of commands) {
      switch (c.type) {
        case 'LaunchJob': {
          const j = this.active.get(c.jobId);
          if (!j) break;
          for (const nodeId of new Set(c.nodeIds)) {
            this.enqueue(nodeId, {
              type: 'LaunchJob', jobId: c.jobId, nodeIds: [...c.nodeIds], command: [...j.command], request: { ...j.spec.request },
              ...(j.env ? { env: { ...j.env } } : {}), ...(c.resumeFromCheckpointId ? { resumeFromCheckpointId: c.resumeFromCheckpointId } : {}),
            });
          }
          break;
        }
        case 'StopJob':
        case 'CheckpointJob':
        case 'PreemptJob': {
          const nodeIds = this.active.get(c.jobId)?.nodeIds ?? nodeIdsHint;
          for (const nodeId of new Set(nodeIds)) this.enqueue(nodeId, { type: c.type, jobId: c.jobId, reason: { ...c.reason } });
          break;
        }
        case 'MigrateJob':
          for (const nodeId of new Set(c.fromNodeIds)) this.enqueue(nodeId, { type: 'MigrateJob', jobId: c.jobId, nodeIds: [...c.toNodeIds], reason: { ...c.reason } });
          break;
        case 'SetTimer':
          // The live loop ticks on its own interval; schedule-purpose timers just ask for a cycle then.
          setTimeout(() => this.requestCycle(), Math.max(0, c.atMs - this.clock())).unref();
          break;
      }
    }
  }

  // ---- fairness and utilisation ----------------------------------------------------------------------------

  fairness(): FairnessView {
    const now = this.clock();
    const total = [...this.nodes.values()].filter((n) => n.stored.node.status !== 'down').reduce((a, n) => add(a, n.stored.node.capacity), ZERO);
    const byTenant = new Map<string, { alloc: Resources; running: number; pending: number }>();
    for (const j of this.active.values()) {
      const e = byTenant.get(j.spec.tenantId) ?? { alloc: ZERO, running: 0, pending: 0 };
      if (j.state === 'pending') e.pending++;
      else { e.running++; e.alloc = add(e.alloc, totalRequest(j.spec)); }
      byTenant.set(j.spec.tenantId, e);
    }
    const weightSum = [...byTenant.keys()].reduce((s, id) => s + (this.tenants.get(id)?.tenant.weight ?? 1), 0);
    const tenants = [...byTenant.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, e]) => {
      const weight = this.tenants.get(id)?.tenant.weight ?? 1;
      const share = dominantShare(e.alloc, total);
      const fairShare = weightSum > 0 ? weight / weightSum : 0;
      return { tenant: id, weight, share, fairShare, rho: fairShare > 0 ? share / fairShare : 0, running: e.running, pending: e.pending };
    });
    const allocated = [...this.nodes.values()].reduce((a, n) => add(a, n.allocated), ZERO);
    return {
      at: new Date(now).toISOString(),
      jainRaw: jain(tenants.map((t) => t.share)),
      jainNormalised: jain(tenants.map((t) => t.rho)),
      utilisation: shares(allocated, total),
      tenants,
    };
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

  lastCycle(): ReturnType<ControlPort['lastCycle']> {
    return this.control.lastCycle();
  }

  queueLength(): number {
    let n = 0;
    for (const j of this.active.values()) if (j.state === 'pending') n++;
    return n;
  }

  activeJobs(): number {
    return this.active.size;
  }

  requireTenantAccess(who: Principal, tenantId: string): void {
    if (who.kind === 'admin') return;
    if (who.kind === 'tenant' && who.tenantId === tenantId) return;
    throw new ForbiddenError(`not allowed to act for tenant '${tenantId}'`);
  }

  private emit(e: StreamEvent): void {
    this.bus.emit('event', e);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    if (this.cycleTimer) clearTimeout(this.cycleTimer);
    this.cycleTimer = undefined;
    if (this.cycling) await this.cycling;
    for (const set of this.waiters.values()) for (const w of set) w();
  }
}

/** Jain's index (Σx)²/(n·Σx²): 1 when all equal, 1/n when one holds everything; 1 for an empty or all-zero set. */
function jain(xs: readonly number[]): number {
  const s = xs.reduce((a, x) => a + x, 0);
  const s2 = xs.reduce((a, x) => a + x * x, 0);
  return xs.length === 0 || s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}
