// The reducer (DESIGN.md §1.2): step(state, event, now, rng) → { state, commands }.
// It MUTATES `state` in place and returns it (see state.ts for why); the event log replays a whole run because
// timers are commands too. Bad input throws a typed error before anything changes.
import type { Command } from '../domain/commands.ts';
import type { Event } from '../domain/events.ts';
import { totalRequest, transition, validateJobSpec, type JobSpec } from '../domain/job.ts';
import { validateNode } from '../domain/node.ts';
import type { Reason } from '../domain/plan.ts';
import { validateTenant } from '../domain/tenant.ts';
import { validateResources, type Resources } from '../domain/resources.ts';
import { measureFairness, type TenantLoad } from '../fairness/monitor.ts';
import { NodeTable, toVector } from '../scheduler/cycle-state.ts';
import { runCycle } from '../scheduler/schedule.ts';
import type { ClusterSnapshot, NodeSnapshot, RunningJob, TenantUsage } from '../scheduler/snapshot.ts';
import { assert, assertNever } from '../util/assert.ts';
import { ConflictError, NotFoundError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { armBalance, balanceTick, forgetBalanceJob, jobsMigratingTo, observeBalanceTelemetry, releaseHolds } from './balance-tick.ts';
import { requestMigration } from './migrate.ts';
import type { ControlState, JobRecord, NodeRecord, QueueEntry, TenantRecord } from './state.ts';

export interface StepResult {
  readonly state: ControlState;
  readonly commands: readonly Command[];
}

const DIMS = 4;

function addInto(target: number[], v: readonly number[], sign: 1 | -1): void {
  for (let d = 0; d < DIMS; d++) target[d] = (target[d] as number) + sign * (v[d] as number);
}

function tenantOf(state: ControlState, id: string): TenantRecord {
  const t = state.tenants.get(id);
  if (!t) throw new NotFoundError('tenant', id);
  return t;
}

function jobOf(state: ControlState, id: string): JobRecord {
  const j = state.jobs.get(id);
  if (!j) throw new NotFoundError('job', id);
  return j;
}

function armSchedule(state: ControlState, now: number, out: Command[]): void {
  if (state.scheduleTimerArmed) return;
  state.scheduleTimerArmed = true;
  out.push({ type: 'SetTimer', timerId: `schedule-${++state.timerSeq}`, atMs: now + state.config.cycleIntervalMs, purpose: 'schedule' });
}

function armFairness(state: ControlState, now: number, out: Command[]): void {
  if (state.fairnessTimerArmed) return;
  state.fairnessTimerArmed = true;
  out.push({ type: 'SetTimer', timerId: `fairness-${++state.timerSeq}`, atMs: now + state.config.fairness.tickMs, purpose: 'fairness' });
}

function enqueue(state: ControlState, job: JobRecord, now: number): void {
  // Aging counts from (re-)entry; postponements carry over a preemption.
  const entry: QueueEntry = { spec: job.spec, enqueuedAtMs: now, postponements: job.queue?.postponements ?? 0, attainedService: job.attainedService };
  job.queue = entry;
  state.pending.set(job.spec.id, entry);
  addInto(tenantOf(state, job.spec.tenantId).pendingDemand, toVector(totalRequest(job.spec)), 1);
}

function dequeue(state: ControlState, job: JobRecord): void {
  if (!state.pending.delete(job.spec.id)) return;
  const t = state.tenants.get(job.spec.tenantId);
  if (t) addInto(t.pendingDemand, toVector(totalRequest(job.spec)), -1);
}

function serviceRate(spec: JobSpec): number {
  return spec.request.gpuMilli > 0 ? spec.request.gpuMilli * spec.gangSize : spec.request.cpuMilli * spec.gangSize;
}

function touchNode(n: NodeRecord): void {
  n.view = undefined;
}

/** The demand a running job's workload class is judged by: measured when there is telemetry, else the request. */
function classDemand(state: ControlState, job: JobRecord): Resources {
  const sig = state.profiler.signature(job.spec);
  return sig.source === 'telemetry' ? sig.demand : job.spec.request;
}

/** Places the job's tasks on nodes (allocations, and the node table when it is built, follow). */
function allocate(state: ControlState, job: JobRecord, nodeIds: readonly string[], now: number): void {
  const req = toVector(job.spec.request);
  const tenant = tenantOf(state, job.spec.tenantId);
  const table = state.table;
  const demand = table ? classDemand(state, job) : job.spec.request;
  const classes: number[] = [];
  for (const id of nodeIds) {
    const n = state.nodes.get(id);
    assert(n, () => `placement on unknown node '${id}'`);
    addInto(n.alloc, req, 1);
    n.jobs.add(job.spec.id);
    touchNode(n);
    addInto(tenant.alloc, req, 1);
    if (table) {
      const cls = table.classIndexOn(demand, n.index);
      classes.push(cls);
      table.applyTask(n.index, job.spec.request, cls, 1);
    }
  }
  job.taskClasses = table ? classes : undefined;
  job.nodeIds = nodeIds;
  job.runningSinceMs = now;
  job.runningView = undefined;
  state.running.set(job.spec.id, job);
}

/** Frees everything the job holds and accrues its attained service. */
function release(state: ControlState, job: JobRecord, now: number): void {
  if (!state.running.delete(job.spec.id)) return;
  releaseHolds(state, job);
  if (state.balance) forgetBalanceJob(state.balance, job.spec.id);
  const req = toVector(job.spec.request);
  const tenant = state.tenants.get(job.spec.tenantId);
  const table = state.table;
  job.nodeIds.forEach((id, k) => {
    const n = state.nodes.get(id);
    if (n) {
      addInto(n.alloc, req, -1);
      n.jobs.delete(job.spec.id);
      touchNode(n);
      if (table && job.taskClasses) table.applyTask(n.index, job.spec.request, job.taskClasses[k] as number, -1);
    }
    if (tenant) addInto(tenant.alloc, req, -1);
  });
  if (job.runningSinceMs !== undefined) job.attainedService += Math.max(0, now - job.runningSinceMs) * serviceRate(job.spec);
  job.runningSinceMs = undefined;
  job.nodeIds = [];
  job.runningView = undefined;
  job.taskClasses = undefined;
}

/** Running (or checkpointing/migrating) → preempted → pending, resources freed at once. */
function preemptAndRequeue(state: ControlState, job: JobRecord, now: number): void {
  release(state, job, now);
  job.state = transition(job.spec.id, job.state, 'preempted');
  job.state = transition(job.spec.id, job.state, 'pending');
  job.preemptions++;
  enqueue(state, job, now);
}

function nodeView(n: NodeRecord): NodeSnapshot {
  if (!n.view) {
    const a = n.alloc;
    n.view = {
      id: n.node.id,
      capacity: n.node.capacity,
      allocated: { cpuMilli: a[0] as number, gpuMilli: a[1] as number, memMiB: a[2] as number, netMbps: a[3] as number },
      status: n.node.status,
      labels: n.node.labels,
      ...(n.cachedDatasets.size > 0 ? { cachedDatasets: [...n.cachedDatasets] } : {}),
      ...(n.forecastHeadroom ? { forecastHeadroom: n.forecastHeadroom } : {}),
    };
  }
  return n.view;
}

function runningView(state: ControlState, j: JobRecord): RunningJob {
  if (!j.runningView) {
    const demand = classDemand(state, j);
    j.runningView = { spec: j.spec, nodeIds: j.nodeIds, startedAtMs: j.runningSinceMs ?? j.startedAtMs ?? 0, ...(demand !== j.spec.request ? { demand } : {}) };
  }
  return j.runningView;
}

/**
 * The read-only snapshot a cycle (or a query) works on, with the incrementally kept node table. O(nodes + running +
 * tenants) cheap work; the node views and table are reused, so a snapshot is valid until the next step().
 */
export function buildSnapshot(state: ControlState): ClusterSnapshot {
  if (state.nodeOrderDirty) {
    state.nodeOrder = [...state.nodes.keys()].sort();
    state.nodeRecs = state.nodeOrder.map((id, i) => {
      const rec = state.nodes.get(id) as NodeRecord;
      rec.index = i;
      return rec;
    });
    state.nodeViews = state.nodeRecs.map((rec) => nodeView(rec));
    state.nodeOrderDirty = false;
    state.table = undefined;
  }
  const recs = state.nodeRecs;
  const views = state.nodeViews;
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i] as NodeRecord;
    if (!rec.view) views[i] = nodeView(rec);
  }
  // The running list is built only if a cycle asks for it (node-table rebuild, preemption): most cycles do not.
  let runningList: RunningJob[] | undefined;
  const runningJobs = (): RunningJob[] => {
    if (!runningList) {
      runningList = [];
      for (const j of state.running.values()) runningList.push(runningView(state, j));
    }
    return runningList;
  };
  if (!state.table) {
    const table = new NodeTable(views, runningJobs());
    for (const j of state.running.values()) {
      const demand = j.runningView?.demand ?? j.spec.request;
      j.taskClasses = j.nodeIds.map((nodeId) => table.classIndexOn(demand, table.indexById.get(nodeId) as number));
    }
    state.table = table;
  }
  const tenants = new Map<string, TenantUsage>();
  const { boosts, caps } = state.corrections;
  for (const [id, t] of state.tenants) {
    const a = t.alloc;
    const boost = boosts.get(id);
    const cap = caps.get(id);
    const p = t.pendingDemand;
    tenants.set(id, {
      tenant: t.tenant,
      allocated: { cpuMilli: a[0] as number, gpuMilli: a[1] as number, memMiB: a[2] as number, netMbps: a[3] as number },
      demand: { cpuMilli: (a[0] as number) + (p[0] as number), gpuMilli: (a[1] as number) + (p[1] as number), memMiB: (a[2] as number) + (p[2] as number), netMbps: (a[3] as number) + (p[3] as number) },
      ...(boost !== undefined ? { fairnessBoost: boost } : {}),
      ...(cap !== undefined ? { capDominantShare: cap } : {}),
      ...(t.held.some((x) => x !== 0) ? { held: { cpuMilli: t.held[0] as number, gpuMilli: t.held[1] as number, memMiB: t.held[2] as number, netMbps: t.held[3] as number } } : {}),
    });
  }
  return {
    nodes: views,
    get running() {
      return runningJobs();
    },
    tenants,
    table: state.table,
    reservations: state.reservations,
  };
}

/** Capacity of the nodes that are not down, by dimension. */
export function clusterCapacity(state: ControlState): number[] {
  const total = [0, 0, 0, 0];
  for (const n of state.nodes.values()) if (n.node.status !== 'down') addInto(total, toVector(n.node.capacity), 1);
  return total;
}

export function tenantLoads(state: ControlState): TenantLoad[] {
  // What a tenant holds outside its jobs (grid memory) is part of what it has, and of what it wants.
  return [...state.tenants.values()].map((t) => {
    const alloc = t.alloc.map((a, d) => a + (t.held[d] as number));
    return { id: t.tenant.id, weight: t.tenant.weight, alloc, demand: alloc.map((a, d) => a + (t.pendingDemand[d] as number)), ...(t.held.some((x) => x !== 0) ? { held: [...t.held] } : {}) };
  });
}

function runScheduleCycle(state: ControlState, now: number, rng: Rng, out: Command[]): void {
  state.cycles++;
  if (state.pending.size === 0) {
    state.lastCycle = { atMs: now, placed: 0, postponed: 0, preempted: 0, nodesVisited: 0, beyondDepth: 0 };
    return;
  }
  const snapshot = buildSnapshot(state);
  const pending = [...state.pending.values()];
  const { plan, nodesVisited, beyondDepth } = runCycle(snapshot, pending, state.config.profile, now, rng);
  state.reservations = plan.reservations ?? [];
  for (const pre of plan.preemptions) {
    const job = jobOf(state, pre.jobId);
    preemptAndRequeue(state, job, now);
    out.push({ type: 'PreemptJob', jobId: pre.jobId, reason: pre.reason });
  }
  for (const p of plan.placements) {
    const job = jobOf(state, p.jobId);
    dequeue(state, job);
    job.state = transition(job.spec.id, job.state, 'running');
    job.startedAtMs ??= now;
    job.lastReasons = undefined;
    job.neverFits = undefined;
    allocate(state, job, p.nodeIds, now);
    armFairness(state, now, out);
    if (state.balance) armBalance(state, now, out);
    out.push(job.lastCheckpointId !== undefined ? { type: 'LaunchJob', jobId: p.jobId, nodeIds: p.nodeIds, resumeFromCheckpointId: job.lastCheckpointId } : { type: 'LaunchJob', jobId: p.jobId, nodeIds: p.nodeIds });
  }
  for (const post of plan.postponed) {
    const job = jobOf(state, post.jobId);
    if (job.queue) job.queue.postponements++;
    job.lastReasons = post.reasons;
    job.neverFits = post.neverFits;
    job.consideredInCycle = state.cycles;
  }
  // Jobs beyond the queue depth keep their state untouched (O(depth) per cycle, not O(pending)); explainJob tells
  // them apart by consideredInCycle.
  state.lastCycle = { atMs: now, placed: plan.placements.length, postponed: plan.postponed.length, preempted: plan.preemptions.length, nodesVisited, beyondDepth };
}

function fairnessTick(state: ControlState, now: number, out: Command[]): void {
  const reading = measureFairness(tenantLoads(state), clusterCapacity(state), now);
  state.monitor.record(reading);
  state.lastReading = reading;
  const before = state.corrections;
  state.corrections = state.monitor.corrections(reading);
  if ((state.corrections.reasons.length > 0 || before.reasons.length > 0) && state.pending.size > 0) armSchedule(state, now, out);
}

function finish(state: ControlState, job: JobRecord, to: 'succeeded' | 'failed' | 'cancelled', now: number): void {
  release(state, job, now);
  dequeue(state, job);
  job.state = transition(job.spec.id, job.state, to);
  job.endedAtMs = now;
  job.queue = undefined;
  state.profiler.finish(job.spec);
  forgetOldFinished(state, job.spec.id);
  // A cancelled (or failed) job's reservation is released now, not at the next cycle: queries and exports stop
  // showing nodes held for a job that no longer waits.
  if (state.reservations.length > 0 && state.reservations.some((r) => r.jobId === job.spec.id)) state.reservations = state.reservations.filter((r) => r.jobId !== job.spec.id);
}

/** Keeps at most config.retainFinishedJobs finished jobs in the state, forgetting the oldest first. */
function forgetOldFinished(state: ControlState, jobId: string): void {
  const keep = state.config.retainFinishedJobs;
  if (keep === Number.POSITIVE_INFINITY) return;
  state.finished.add(jobId);
  while (state.finished.size > keep) {
    const oldest = state.finished.values().next().value as string;
    state.finished.delete(oldest);
    state.jobs.delete(oldest);
  }
}

const HOLDS_RESOURCES = new Set(['running', 'checkpointing', 'migrating']);

export function step(state: ControlState, event: Event, now: number, rng: Rng): StepResult {
  const out: Command[] = [];
  switch (event.type) {
    case 'TenantUpserted': {
      const t = validateTenant(event.tenant);
      const rec = state.tenants.get(t.id);
      if (rec) rec.tenant = t;
      else state.tenants.set(t.id, { tenant: t, alloc: [0, 0, 0, 0], held: [0, 0, 0, 0], pendingDemand: [0, 0, 0, 0] });
      if (state.pending.size > 0) armSchedule(state, now, out);
      break;
    }
    case 'NodeRegistered': {
      const node = validateNode(event.node);
      const rec = state.nodes.get(node.id);
      if (rec) {
        rec.node = node;
        rec.lastHeartbeatMs = now;
        touchNode(rec);
      } else {
        state.nodes.set(node.id, { node, alloc: [0, 0, 0, 0], cachedDatasets: new Set(), lastHeartbeatMs: now, jobs: new Set(), index: -1 });
        state.nodeOrderDirty = true;
      }
      state.table = undefined;
      armSchedule(state, now, out);
      break;
    }
    case 'NodeStatusChanged': {
      const rec = state.nodes.get(event.nodeId);
      if (!rec) throw new NotFoundError('node', event.nodeId);
      rec.node = validateNode({ ...rec.node, status: event.status });
      touchNode(rec);
      state.table = undefined;
      armSchedule(state, now, out);
      break;
    }
    case 'NodeHeartbeat': {
      const rec = state.nodes.get(event.nodeId);
      if (!rec) throw new NotFoundError('node', event.nodeId);
      rec.lastHeartbeatMs = now;
      break;
    }
    case 'NodeLost': {
      const rec = state.nodes.get(event.nodeId);
      if (!rec) throw new NotFoundError('node', event.nodeId);
      rec.node = { ...rec.node, status: 'down' };
      rec.cachedDatasets.clear();
      touchNode(rec);
      state.table = undefined;
      const reason: Reason = { plugin: 'node-status', code: 'node-lost', message: `node '${event.nodeId}' was lost` };
      // A job migrating onto the lost node cannot land there: it goes back to the queue too.
      const inbound = jobsMigratingTo(state.migrationHolds, event.nodeId).filter((id) => !rec.jobs.has(id));
      for (const jobId of [...[...rec.jobs].sort(), ...inbound]) {
        const job = jobOf(state, jobId);
        preemptAndRequeue(state, job, now);
        // Stop the gang's tasks on the other nodes; the job goes back to the queue.
        out.push({ type: 'PreemptJob', jobId, reason });
      }
      armSchedule(state, now, out);
      break;
    }
    case 'JobSubmitted': {
      const spec = validateJobSpec(event.job);
      tenantOf(state, spec.tenantId);
      if (state.jobs.has(spec.id)) throw new ConflictError(`job '${spec.id}' already exists`, { jobId: spec.id });
      const job: JobRecord = { spec, state: 'pending', nodeIds: [], attainedService: 0, preemptions: 0 };
      state.jobs.set(spec.id, job);
      enqueue(state, job, spec.submittedAtMs <= now ? spec.submittedAtMs : now);
      armSchedule(state, now, out);
      armFairness(state, now, out);
      break;
    }
    case 'JobCancelled': {
      const job = jobOf(state, event.jobId);
      if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') break; // idempotent
      const held = HOLDS_RESOURCES.has(job.state);
      finish(state, job, 'cancelled', now);
      if (held) {
        out.push({ type: 'StopJob', jobId: job.spec.id, reason: { plugin: 'api', code: 'cancelled', message: 'cancelled by request' } });
        armSchedule(state, now, out);
      }
      break;
    }
    case 'JobStarted': {
      const job = jobOf(state, event.jobId);
      if (HOLDS_RESOURCES.has(job.state)) job.startedAtMs ??= now;
      break;
    }
    case 'ProcessExited': {
      const job = jobOf(state, event.jobId);
      // A late exit of a job already preempted, requeued or finished changes nothing.
      if (!HOLDS_RESOURCES.has(job.state)) break;
      job.exitCode = event.exitCode;
      finish(state, job, event.exitCode === 0 ? 'succeeded' : 'failed', now);
      armSchedule(state, now, out);
      break;
    }
    case 'CheckpointCompleted': {
      const job = jobOf(state, event.jobId);
      job.lastCheckpointId = event.checkpointId;
      if (job.state === 'checkpointing') job.state = transition(job.spec.id, job.state, 'running');
      break;
    }
    case 'MigrationRequested':
      requestMigration(state, event.jobId, event.toNodeIds, event.reason, out);
      break;
    case 'MigrationCompleted': {
      const job = jobOf(state, event.jobId);
      if (job.state !== 'migrating' && job.state !== 'running') break;
      const since = job.runningSinceMs;
      // The job's measured use travels with it (release forgets it for jobs that stop).
      const use = state.balance?.jobUse.get(job.spec.id);
      release(state, job, now);
      if (use !== undefined) state.balance?.jobUse.set(job.spec.id, use);
      if (job.state === 'migrating') job.state = transition(job.spec.id, job.state, 'running');
      allocate(state, job, event.toNodeIds, since ?? now);
      armSchedule(state, now, out);
      break;
    }
    case 'TelemetrySampled': {
      state.profiler.observe(event.sample);
      if (state.balance && (event.sample.jobId === undefined || state.running.has(event.sample.jobId))) observeBalanceTelemetry(state.balance, event.sample);
      const job = event.sample.jobId !== undefined ? state.jobs.get(event.sample.jobId) : undefined;
      if (job && state.running.has(job.spec.id)) {
        job.runningView = undefined;
        // Keep the node table's class counts in step with the job's measured demand.
        const table = state.table;
        if (table && job.taskClasses) {
          const demand = classDemand(state, job);
          job.nodeIds.forEach((id, k) => {
            const n = state.nodes.get(id);
            if (!n) return;
            const to = table.classIndexOn(demand, n.index);
            table.moveClass(n.index, job.taskClasses![k] as number, to);
            job.taskClasses![k] = to;
          });
        }
      }
      break;
    }
    case 'TenantHoldingsReported': {
      const next = new Map<string, number[]>();
      for (const h of event.holdings) {
        validateResources(h.held, `holdings of tenant '${h.tenantId}'`);
        // A tenant the core does not know (deleted, or not yet upserted) has no share to charge.
        if (state.tenants.has(h.tenantId)) next.set(h.tenantId, toVector(h.held));
      }
      let changed = false;
      for (const [id, t] of state.tenants) {
        const v = next.get(id) ?? [0, 0, 0, 0];
        for (let d = 0; d < v.length; d++) {
          if (t.held[d] !== v[d]) {
            t.held[d] = v[d] as number;
            changed = true;
          }
        }
      }
      // Holdings change shares, so queue order and the fairness caps: a cycle looks again if anyone is waiting.
      if (changed && state.pending.size > 0) armSchedule(state, now, out);
      break;
    }
    case 'TimerFired':
      switch (event.purpose) {
        case 'schedule':
          state.scheduleTimerArmed = false;
          runScheduleCycle(state, now, rng, out);
          break;
        case 'fairness':
          state.fairnessTimerArmed = false;
          fairnessTick(state, now, out);
          // Ticks while something runs; with nothing running shares cannot change until a submission or launch
          // re-arms it (so a run with only never-fitting jobs left goes quiet).
          if (state.running.size > 0) armFairness(state, now, out);
          break;
        case 'balance':
          balanceTick(state, now, out);
          break;
        case 'heartbeat-check':
          break; // owned by the coordinator
        default:
          assertNever(event.purpose, 'timer purpose');
      }
      break;
    default:
      assertNever(event, 'event');
  }
  return { state, commands: out };
}
