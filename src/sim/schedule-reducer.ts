// An interim control reducer around the core's scheduling cycle, so the simulator can run every core profile
// (fifo, fifo-greedy, round-robin, fair-share, drf, tiresias, fairway) before the core's own reducer
// (`src/core/control`, issue 2) lands. It keeps the cluster view, runs `schedule()` once per instant at which
// something changed (a `schedule` timer set for "now" collapses all events of that instant into one cycle) and
// turns the Plan into commands. Decide, then do: resources are taken when LaunchJob is issued, and given back when
// the ProcessExited event arrives. For speed the state is mutated in place (it lives in the simulator, not the core).
import type { Command, Event, JobSpec, Resources, Tenant } from '../core/domain/index.ts';
import { totalRequest } from '../core/domain/index.ts';
import { resolveProfile, schedule } from '../core/scheduler/index.ts';
import type { NodeSnapshot, PendingJob, ResolvedProfile, RunningJob, TenantUsage } from '../core/scheduler/index.ts';
import type { Rng } from '../core/util/rng.ts';
import type { Reducer } from '../runtime/reducer.ts';

type Mut<T> = { -readonly [K in keyof T]: T[K] };
type MutRes = Mut<Resources>;

interface PendingEntry { spec: JobSpec; enqueuedAtMs: number; postponements: number; attainedService: number; resumes: number }
interface RunningEntry { job: RunningJob; attainedService: number; resumes: number; preempting: boolean }

export interface CycleReducerState {
  readonly profile: ResolvedProfile;
  readonly nodes: Array<Mut<NodeSnapshot> & { allocated: MutRes }>;
  readonly nodeById: Map<string, Mut<NodeSnapshot> & { allocated: MutRes }>;
  readonly tenants: Map<string, Mut<TenantUsage> & { allocated: MutRes }>;
  readonly pending: Map<string, PendingEntry>;
  readonly running: Map<string, RunningEntry>;
  armed: boolean;
  cycles: number;
}

const zero = (): MutRes => ({ cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 });
function addTo(a: MutRes, b: Resources, sign: 1 | -1): void {
  a.cpuMilli += sign * b.cpuMilli;
  a.gpuMilli += sign * b.gpuMilli;
  a.memMiB += sign * b.memMiB;
  a.netMbps += sign * b.netMbps;
}

export function initialCycleState(profileName: string): CycleReducerState {
  return { profile: resolveProfile(profileName), nodes: [], nodeById: new Map(), tenants: new Map(), pending: new Map(), running: new Map(), armed: false, cycles: 0 };
}

function tenantOf(s: CycleReducerState, id: string): Mut<TenantUsage> & { allocated: MutRes } {
  let t = s.tenants.get(id);
  if (!t) {
    const tenant: Tenant = { id, weight: 1, tier: 'silver', guaranteed: zero() };
    t = { tenant, allocated: zero() };
    s.tenants.set(id, t);
  }
  return t;
}

function arm(s: CycleReducerState, now: number): Command[] {
  if (s.armed) return [];
  s.armed = true;
  return [{ type: 'SetTimer', timerId: 'schedule', atMs: now, purpose: 'schedule' }];
}

function release(s: CycleReducerState, jobId: string, now: number): RunningEntry | undefined {
  const r = s.running.get(jobId);
  if (!r) return undefined;
  for (const id of r.job.nodeIds) {
    const n = s.nodeById.get(id);
    if (n) addTo(n.allocated, r.job.spec.request, -1);
  }
  addTo(tenantOf(s, r.job.spec.tenantId).allocated, totalRequest(r.job.spec), -1);
  s.running.delete(jobId);
  const gpu = totalRequest(r.job.spec).gpuMilli;
  r.attainedService += (gpu > 0 ? gpu : totalRequest(r.job.spec).cpuMilli) * Math.max(0, now - r.job.startedAtMs);
  return r;
}

function cycle(s: CycleReducerState, now: number, rng: Rng): Command[] {
  s.cycles += 1;
  const pendingList: PendingJob[] = [];
  for (const p of s.pending.values()) pendingList.push(p);
  if (pendingList.length === 0) return [];
  const running: RunningJob[] = [];
  for (const r of s.running.values()) running.push(r.job);
  const plan = schedule({ nodes: s.nodes, running, tenants: s.tenants }, pendingList, s.profile, now, rng);
  const commands: Command[] = [];
  for (const pl of plan.placements) {
    const p = s.pending.get(pl.jobId);
    if (!p) continue;
    s.pending.delete(pl.jobId);
    for (const id of pl.nodeIds) {
      const n = s.nodeById.get(id);
      if (n) addTo(n.allocated, p.spec.request, 1);
    }
    addTo(tenantOf(s, p.spec.tenantId).allocated, totalRequest(p.spec), 1);
    s.running.set(pl.jobId, { job: { spec: p.spec, nodeIds: pl.nodeIds, startedAtMs: now }, attainedService: p.attainedService, resumes: p.resumes, preempting: false });
    commands.push(p.resumes > 0
      ? { type: 'LaunchJob', jobId: pl.jobId, nodeIds: pl.nodeIds, resumeFromCheckpointId: `${pl.jobId}-preempt-${p.resumes}` }
      : { type: 'LaunchJob', jobId: pl.jobId, nodeIds: pl.nodeIds });
  }
  for (const pr of plan.preemptions) {
    const r = s.running.get(pr.jobId);
    if (!r || r.preempting) continue;
    r.preempting = true;
    commands.push({ type: 'PreemptJob', jobId: pr.jobId, reason: pr.reason });
  }
  for (const pp of plan.postponed) {
    const p = s.pending.get(pp.jobId);
    if (p) p.postponements += 1;
  }
  return commands;
}

export function cycleReducer(): Reducer<CycleReducerState> {
  return (s: CycleReducerState, event: Event, now: number, rng: Rng) => {
    switch (event.type) {
      case 'TenantUpserted': {
        const t = tenantOf(s, event.tenant.id);
        t.tenant = event.tenant;
        return { state: s, commands: [] };
      }
      case 'NodeRegistered': {
        const n = { id: event.node.id, capacity: event.node.capacity, allocated: zero(), status: event.node.status, labels: event.node.labels };
        s.nodes.push(n);
        s.nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        s.nodeById.set(n.id, n);
        return { state: s, commands: arm(s, now) };
      }
      case 'NodeStatusChanged': {
        const n = s.nodeById.get(event.nodeId);
        if (n) n.status = event.status;
        return { state: s, commands: arm(s, now) };
      }
      case 'JobSubmitted':
        tenantOf(s, event.job.tenantId);
        s.pending.set(event.job.id, { spec: event.job, enqueuedAtMs: now, postponements: 0, attainedService: 0, resumes: 0 });
        return { state: s, commands: arm(s, now) };
      case 'ProcessExited': {
        const r = release(s, event.jobId, now);
        if (r && event.reason === 'preempted') {
          s.pending.set(event.jobId, { spec: r.job.spec, enqueuedAtMs: now, postponements: 0, attainedService: r.attainedService, resumes: r.resumes + 1 });
        }
        return { state: s, commands: arm(s, now) };
      }
      case 'TimerFired':
        if (event.purpose !== 'schedule') return { state: s, commands: [] };
        s.armed = false;
        return { state: s, commands: cycle(s, now, rng) };
      default:
        return { state: s, commands: [] };
    }
  };
}
