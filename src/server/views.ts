// Converts stored records into the wire shapes the API returns.
import type { FairnessView, JobView, MigrationView, NodeView, TenantView, WaitingView } from '../wire/schemas.ts';
import type { Resources } from '../core/domain/resources.ts';
import type { StoredJob, StoredNode, StoredTenant } from './store/state-store.ts';
import type { Reason, Reservation } from '../core/domain/plan.ts';
import type { Principal } from './auth.ts';

/** What the core says about a pending job, in the coordinator's terms. */
export interface WaitExplanation {
  readonly position: number;
  readonly queueLength: number;
  readonly priority?: Readonly<Record<string, number>>;
  readonly reasons: readonly Reason[];
  readonly neverFits?: boolean;
  readonly postponements?: number;
  /** The queue-based estimate of the core (explainJob): when enough running work ends for it and the jobs ahead. */
  readonly estimatedStartMs: number | null;
  /** The nodes held for it while it starves, with backfilling's estimated start there. */
  readonly reservation?: Reservation | null;
  readonly starving?: boolean;
  /** After how long a wait the profile reserves nodes for a job (null: this profile never reserves). */
  readonly reservesAfterMs?: number | null;
  /** Some running job has no expected duration, so its end (and what it frees) is unknown. */
  readonly runningWithoutDuration?: boolean;
  readonly lastCycleMs: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function fmtWait(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The estimated start of a pending job, how it was made, and — where there is none — why. A reservation's
 * estimate (backfilling's shadow time: the held nodes free up by the running jobs' expected ends) comes first,
 * since the scheduler keeps it; otherwise the core's queue-based estimate.
 */
export function startEstimate(w: WaitExplanation): { estimatedStartAt: string | null; estimate: NonNullable<WaitingView['estimate']>; reservation: WaitingView['reservation'] } {
  const r = w.reservation ?? null;
  const reservation = r ? { nodeIds: [...r.nodeIds], since: iso(r.sinceMs), estimatedStartAt: r.estimatedStartMs === undefined ? null : iso(r.estimatedStartMs) } : null;
  if (w.neverFits) {
    return { estimatedStartAt: null, reservation, estimate: { basis: 'none', note: 'no estimate: no node could ever hold it as asked' } };
  }
  if (r && r.estimatedStartMs !== undefined) {
    return {
      estimatedStartAt: iso(r.estimatedStartMs), reservation,
      estimate: { basis: 'reservation', note: `reserved: ${r.nodeIds.join(', ')} held for it since ${iso(r.sinceMs)}; it starts there when the running jobs on them are expected to end` },
    };
  }
  let why: string;
  if (r) why = `reserved: ${r.nodeIds.join(', ')} held for it since ${iso(r.sinceMs)}, but a job running there has no expected duration`;
  else if (w.reservesAfterMs === null || w.reservesAfterMs === undefined) why = 'no reservation: this scheduler profile does not hold nodes for waiting jobs';
  else if (w.starving) why = 'no reservation yet: starving, but no node could be held for it in the last cycle';
  else why = `no reservation yet: not a starving job (nodes are held for a job once it has waited ${fmtWait(w.reservesAfterMs)} within its tenant's fair share)`;
  if (w.estimatedStartMs !== null) {
    return { estimatedStartAt: iso(w.estimatedStartMs), reservation, estimate: { basis: 'queue', note: `${why}; estimated from the queue: when enough running work is expected to end for it and the jobs ahead` } };
  }
  const unknown = w.runningWithoutDuration ? 'running jobs have no expected duration, so when they free room is unknown' : 'not enough running work ends to make room for it and the jobs ahead';
  return { estimatedStartAt: null, reservation, estimate: { basis: 'none', note: `${why}; no estimate: ${unknown}` } };
}

export function tenantView(t: StoredTenant): TenantView {
  return { id: t.tenant.id, weight: t.tenant.weight, tier: t.tenant.tier, quota: { ...t.tenant.guaranteed }, cap: t.tenant.cap ? { ...t.tenant.cap } : null, createdAt: iso(t.createdAtMs) };
}

export function jobView(j: StoredJob, waiting?: WaitExplanation): JobView {
  const s = j.spec;
  return {
    id: s.id,
    tenant: s.tenantId,
    name: s.name ?? s.id,
    state: j.state,
    request: { ...s.request },
    gangSize: s.gangSize,
    priorityClass: s.priorityClass,
    kind: s.kind,
    preemptible: s.preemptible,
    migratable: s.migratable,
    command: [...j.command],
    ...(j.env ? { env: { ...j.env } } : {}),
    ...(s.datasetRef ? { dataset: s.datasetRef } : {}),
    ...(s.deadlineMs !== undefined ? { deadline: iso(s.deadlineMs) } : {}),
    nodeIds: [...j.nodeIds],
    exitCode: j.exitCode,
    submittedAt: iso(s.submittedAtMs),
    updatedAt: iso(j.updatedAtMs),
    ...(waiting
      ? {
          waiting: {
            position: waiting.position,
            queueLength: waiting.queueLength,
            ...(waiting.neverFits !== undefined ? { neverFits: waiting.neverFits } : {}),
            ...(waiting.postponements !== undefined ? { postponements: waiting.postponements } : {}),
            ...(waiting.priority ? { priority: { ...waiting.priority } } : {}),
            reasons: waiting.reasons.map((r) => ({ ...r })),
            ...startEstimate(waiting),
            lastCycleAt: waiting.lastCycleMs === null ? null : iso(waiting.lastCycleMs),
          },
        }
      : {}),
  };
}

export function nodeView(n: StoredNode, allocated: Resources, used?: Resources): NodeView {
  return {
    id: n.node.id,
    capacity: { ...n.node.capacity },
    allocated: { ...allocated },
    ...(used ? { used: { ...used } } : {}),
    labels: { ...n.node.labels },
    status: n.node.status,
    lastHeartbeatAt: n.lastHeartbeatMs === null ? null : iso(n.lastHeartbeatMs),
  };
}

/**
 * What a caller may see of /v1/fairness. The admin sees every tenant. A tenant sees its own row (share, fair share,
 * ρ, grid usage) and the cluster-wide numbers (Jain's index raw and normalised, utilisation, how many tenants there
 * are) but not the other tenants' rows: names, weights and shares of other customers are theirs. An agent token
 * sees the cluster-wide numbers only.
 */
export function visibleFairness(f: FairnessView, who: Principal | null): FairnessView {
  if (who?.kind === 'admin') return { ...f, visibility: 'all' };
  const own = who?.kind === 'tenant' ? who.tenantId : undefined;
  return {
    ...f, visibility: 'own', tenants: f.tenants.filter((t) => t.tenant === own),
    ...(f.grid ? { grid: { ...f.grid, tenants: f.grid.tenants.filter((t) => t.tenant === own) } } : {}),
  };
}

/** Migrations a caller may see: all for the admin, a tenant's own jobs' for a tenant, none for others. */
export function visibleMigrations(ms: readonly MigrationView[], who: Principal | null): MigrationView[] {
  if (who?.kind === 'admin') return [...ms];
  if (who?.kind !== 'tenant') return [];
  return ms.filter((m) => m.tenant === who.tenantId);
}
