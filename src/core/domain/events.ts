// Events are facts in the past tense that drive the reducer (DESIGN.md §1.2). Every event carries the time it
// happened; the driver feeds them in order, and the event log replays a whole run.
import type { JobSpec } from './job.ts';
import type { Node, NodeStatus } from './node.ts';
import type { Reason } from './plan.ts';
import type { Resources } from './resources.ts';
import type { Tenant } from './tenant.ts';

export interface TelemetrySample {
  readonly nodeId: string;
  /** The job measured, or absent for a whole-node sample. */
  readonly jobId?: string;
  readonly atMs: number;
  /** Resources actually in use (not allocated). */
  readonly used: Resources;
}

export interface TenantHolding {
  readonly tenantId: string;
  readonly held: Resources;
}

export type Event =
  | { readonly type: 'TenantUpserted'; readonly atMs: number; readonly tenant: Tenant }
  | { readonly type: 'NodeRegistered'; readonly atMs: number; readonly node: Node }
  | { readonly type: 'NodeStatusChanged'; readonly atMs: number; readonly nodeId: string; readonly status: NodeStatus }
  | { readonly type: 'NodeHeartbeat'; readonly atMs: number; readonly nodeId: string }
  | { readonly type: 'NodeLost'; readonly atMs: number; readonly nodeId: string }
  | { readonly type: 'JobSubmitted'; readonly atMs: number; readonly job: JobSpec }
  | { readonly type: 'JobCancelled'; readonly atMs: number; readonly jobId: string }
  | { readonly type: 'JobStarted'; readonly atMs: number; readonly jobId: string }
  | { readonly type: 'ProcessExited'; readonly atMs: number; readonly jobId: string; readonly exitCode: number; readonly reason?: string }
  | { readonly type: 'CheckpointCompleted'; readonly atMs: number; readonly jobId: string; readonly checkpointId: string; readonly sizeMiB: number }
  /** Someone (an operator) asked for a running job to move to these nodes, one per task. */
  | { readonly type: 'MigrationRequested'; readonly atMs: number; readonly jobId: string; readonly toNodeIds: readonly string[]; readonly reason: Reason }
  | { readonly type: 'MigrationCompleted'; readonly atMs: number; readonly jobId: string; readonly toNodeIds: readonly string[] }
  | { readonly type: 'TelemetrySampled'; readonly atMs: number; readonly sample: TelemetrySample }
  /**
   * What tenants hold outside their jobs' allocations — the in-memory data grid's per-tenant memory — as a full report
   * (tenants not listed hold nothing). It counts in their dominant share (fairness, queue order), not in caps.
   */
  | { readonly type: 'TenantHoldingsReported'; readonly atMs: number; readonly holdings: readonly TenantHolding[] }
  | { readonly type: 'TimerFired'; readonly atMs: number; readonly timerId: string; readonly purpose: TimerPurpose };

export type TimerPurpose = 'schedule' | 'fairness' | 'balance' | 'heartbeat-check';

export type EventType = Event['type'];
