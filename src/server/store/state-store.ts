// The coordinator's durable state, as a port (DESIGN.md §1): SQLite is the embedded default, Postgres can follow.
// Writes go through `write`, which resolves only once the ops are durable; adapters may group several callers'
// ops into one transaction (group commit) but must never acknowledge an op before its transaction committed.
import type { JobSpec, JobState } from '../../core/domain/job.ts';
import type { Node } from '../../core/domain/node.ts';
import type { Tenant } from '../../core/domain/tenant.ts';
import { FairwayError } from '../../core/util/errors.ts';

/**
 * A write was refused because its insertJob carried an idempotency key the store already holds for that tenant
 * (nothing of that write was committed). Adapters must detect this themselves: callers rely on it instead of
 * reading the key before every write.
 */
export class IdempotencyConflictError extends FairwayError {
  constructor(message: string) {
    super('idempotency_conflict', message);
  }
}

export interface StoredTenant {
  readonly tenant: Tenant;
  /** sha-256 (hex) of the tenant's API token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAtMs: number;
}

export interface StoredJob {
  readonly seq: number;
  readonly spec: JobSpec;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly state: JobState;
  readonly nodeIds: readonly string[];
  readonly exitCode: number | null;
  readonly updatedAtMs: number;
}

export interface StoredNode {
  readonly node: Node;
  readonly lastHeartbeatMs: number | null;
}

export interface StoredJobEvent {
  readonly seq: number;
  readonly jobId: string;
  readonly atMs: number;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface StoredLogLine {
  readonly seq: number;
  readonly jobId: string;
  readonly atMs: number;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

export interface FairnessPoint {
  readonly atMs: number;
  readonly data: Readonly<Record<string, unknown>>;
}

export type WriteOp =
  | { readonly type: 'putTenant'; readonly tenant: StoredTenant }
  | { readonly type: 'insertJob'; readonly job: StoredJob; readonly idempotency?: { readonly key: string; readonly bodyHash: string } }
  | { readonly type: 'updateJob'; readonly jobId: string; readonly state: JobState; readonly nodeIds: readonly string[]; readonly exitCode: number | null; readonly atMs: number }
  | { readonly type: 'jobEvent'; readonly jobId: string; readonly atMs: number; readonly event: string; readonly data: Readonly<Record<string, unknown>> }
  | { readonly type: 'putNode'; readonly node: StoredNode }
  | { readonly type: 'logs'; readonly lines: readonly Omit<StoredLogLine, 'seq'>[] }
  | { readonly type: 'fairness'; readonly point: FairnessPoint };

export interface JobQuery {
  readonly tenantId?: string;
  readonly state?: JobState;
  /** Only jobs with seq below this (pages go newest first). */
  readonly beforeSeq?: number;
  readonly limit: number;
}

export interface IdempotencyRecord {
  readonly jobId: string;
  readonly bodyHash: string;
}

export interface StateStore {
  /** Commits the ops atomically; resolves once they are durable (never before). */
  write(ops: readonly WriteOp[]): Promise<void>;
  loadTenants(): StoredTenant[];
  loadNodes(): StoredNode[];
  /** Jobs not in a terminal state, oldest first (what the scheduler needs after a restart). */
  loadActiveJobs(): StoredJob[];
  getJob(id: string): StoredJob | undefined;
  listJobs(q: JobQuery): StoredJob[];
  countJobs(): Record<string, number>;
  jobEvents(jobId: string): StoredJobEvent[];
  logs(jobId: string, afterSeq: number, limit: number): StoredLogLine[];
  idempotency(tenantId: string, key: string): IdempotencyRecord | undefined;
  fairnessHistory(sinceMs: number, limit: number): FairnessPoint[];
  /** Highest job sequence number ever stored (0 when none), so ids stay unique across restarts. */
  maxJobSeq(): number;
  /** Commits what is queued, then releases the database. */
  close(): Promise<void>;
}
