// The read-only view of the cluster that one scheduling cycle works on (DESIGN.md §1.4), and the pending jobs it
// considers. A cycle never mutates these; it copies what it needs into per-cycle scratch state (cycle-state.ts).
import type { JobSpec } from '../domain/job.ts';
import type { NodeStatus } from '../domain/node.ts';
import type { Reservation } from '../domain/plan.ts';
import type { Resources } from '../domain/resources.ts';
import type { Tenant } from '../domain/tenant.ts';
import type { NodeTable } from './cycle-state.ts';

export interface NodeSnapshot {
  readonly id: string;
  readonly capacity: Resources;
  /** Sum of the requests of the tasks placed on this node (not measured use). */
  readonly allocated: Resources;
  readonly status: NodeStatus;
  readonly labels: Readonly<Record<string, string>>;
  /** Datasets (`name@version`) cached on this node, for data locality. */
  readonly cachedDatasets?: readonly string[];
  /**
   * Free capacity the forecaster expects this node to keep over its horizon (the balancer issue fills it in).
   * Absent: no forecast, the forecast-headroom score is neutral.
   */
  readonly forecastHeadroom?: Resources;
}

export interface RunningJob {
  readonly spec: JobSpec;
  /** One node id per task. */
  readonly nodeIds: readonly string[];
  readonly startedAtMs: number;
  /** Smoothed measured demand per task (from the profiler), when known; else the request is used. */
  readonly demand?: Resources;
}

export interface TenantUsage {
  readonly tenant: Tenant;
  /** What the tenant's running jobs hold now (sum of requests). */
  readonly allocated: Resources;
  /**
   * Allocated plus everything the tenant has pending, when the snapshot's owner keeps it (the reducer does). Absent:
   * a cycle sums the pending jobs it is given.
   */
  readonly demand?: Resources;
  /**
   * Held outside its running jobs (the data grid's memory for this tenant): counts in its dominant share — queue
   * order, priority's fairness term, the fairness cap — but not against its hard cap. Absent: nothing.
   */
  readonly held?: Resources;
  /** Fairness-monitor boost for under-served tenants, 0..1 (0 when absent). */
  readonly fairnessBoost?: number;
  /** Fairness-monitor cap: the tenant may not start jobs that take its dominant share above this (0..1). */
  readonly capDominantShare?: number;
}

export interface ClusterSnapshot {
  readonly nodes: readonly NodeSnapshot[];
  readonly running: readonly RunningJob[];
  readonly tenants: ReadonlyMap<string, TenantUsage>;
  /**
   * Optional: `nodes` and `running` already in typed-array form, kept up to date by the snapshot's owner (the control
   * reducer does) so a cycle skips rebuilding it. It must agree with `nodes` and `running`; a cycle never writes it.
   */
  readonly table?: NodeTable;
  /** Reservations from the previous cycle's plan (kept while their job is pending and still starving). */
  readonly reservations?: readonly Reservation[];
}

export interface PendingJob {
  readonly spec: JobSpec;
  /** When the job (re-)entered the queue; its wait for aging counts from here. Defaults to spec.submittedAtMs. */
  readonly enqueuedAtMs?: number;
  /** How many cycles have postponed it so far (an aging term). */
  readonly postponements?: number;
  /** GPU-milli·ms (or CPU-milli·ms for CPU-only jobs) already received, for least-attained-service ordering. */
  readonly attainedService?: number;
}
