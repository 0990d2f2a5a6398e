// Converts stored records into the wire shapes the API returns.
import type { JobView, NodeView, TenantView } from '../wire/schemas.ts';
import type { Resources } from '../core/domain/resources.ts';
import type { StoredJob, StoredNode, StoredTenant } from './store/state-store.ts';
import type { Reason } from '../core/domain/plan.ts';

/** What the core says about a pending job, in the coordinator's terms. */
export interface WaitExplanation {
  readonly position: number;
  readonly queueLength: number;
  readonly priority?: Readonly<Record<string, number>>;
  readonly reasons: readonly Reason[];
  readonly neverFits?: boolean;
  readonly postponements?: number;
  readonly estimatedStartMs: number | null;
  readonly lastCycleMs: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

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
            estimatedStartAt: waiting.estimatedStartMs === null ? null : iso(waiting.estimatedStartMs),
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
