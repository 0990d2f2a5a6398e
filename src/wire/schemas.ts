// Request/response/event schemas (zod 4) shared by the server, the CLI, the agent and the dashboard. Every request
// object is strict (unknown fields are rejected) so a typo in a job spec is an error, not a silently ignored field.
import { z } from 'zod';
import { JOB_KINDS, JOB_STATES, PRIORITY_CLASSES } from '../core/domain/job.ts';
import { NODE_STATUSES } from '../core/domain/node.ts';
import { TIERS } from '../core/domain/tenant.ts';
import { MAX_RESOURCE_VALUE } from '../core/domain/resources.ts';

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
export const Id = z.string().regex(ID, "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");

/** Largest number of CPU cores one task may ask for (1M cores keeps cpuMilli far below MAX_RESOURCE_VALUE). */
const MAX_CORES = 1_000_000;
const MAX_GPUS = 100_000;
const MAX_MEM_MIB = MAX_RESOURCE_VALUE / 4;

/** Resources as people write them: CPU cores (may be fractional, e.g. 0.5), GPUs (fractions allowed), MiB, Mbit/s. */
export const ResourceRequest = z.strictObject({
  cpu: z.number().nonnegative().max(MAX_CORES).optional(),
  memoryMiB: z.number().int().nonnegative().max(MAX_MEM_MIB).optional(),
  gpu: z.number().nonnegative().max(MAX_GPUS).optional(),
  netMbps: z.number().int().nonnegative().max(MAX_MEM_MIB).optional(),
}).refine((r) => (r.cpu ?? 0) > 0 || (r.memoryMiB ?? 0) > 0 || (r.gpu ?? 0) > 0 || (r.netMbps ?? 0) > 0, {
  message: 'must ask for some resource (cpu, memoryMiB, gpu or netMbps)',
});
export type ResourceRequest = z.infer<typeof ResourceRequest>;

/** Resources as the core counts them (integers), used in responses. */
export const ResourcesWire = z.strictObject({
  cpuMilli: z.number().int().nonnegative(),
  gpuMilli: z.number().int().nonnegative(),
  memMiB: z.number().int().nonnegative(),
  netMbps: z.number().int().nonnegative(),
});
export type ResourcesWire = z.infer<typeof ResourcesWire>;

export const JobSubmission = z.strictObject({
  name: z.string().min(1).max(200),
  request: ResourceRequest,
  command: z.array(z.string().max(10_000)).min(1).max(1_000),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable name'), z.string().max(10_000)).optional(),
  priorityClass: z.enum(PRIORITY_CLASSES).optional(),
  /** Absolute deadline, ISO 8601 or epoch milliseconds. */
  deadline: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
  expectedDurationMs: z.number().int().positive().max(365 * 24 * 3600 * 1000).optional(),
  dataset: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9._-]{1,63})?$/i, 'name@version').optional(),
  gangSize: z.number().int().min(1).max(100_000).optional(),
  preemptible: z.boolean().optional(),
  migratable: z.boolean().optional(),
  kind: z.enum(JOB_KINDS).optional(),
  nodeSelector: z.record(z.string().max(63), z.string().max(63)).optional(),
  /** Admin only: submit on behalf of a tenant. A tenant's own token implies its tenant. */
  tenant: Id.optional(),
});
export type JobSubmission = z.infer<typeof JobSubmission>;

export const TenantCreate = z.strictObject({
  id: Id,
  weight: z.number().positive().max(1e6).default(1),
  tier: z.enum(TIERS).default('silver'),
  quota: ResourceRequest.optional(),
  cap: ResourceRequest.optional(),
});
export type TenantCreate = z.infer<typeof TenantCreate>;

export const TenantUpdate = z.strictObject({
  weight: z.number().positive().max(1e6).optional(),
  tier: z.enum(TIERS).optional(),
  quota: ResourceRequest.nullable().optional(),
  cap: ResourceRequest.nullable().optional(),
});
export type TenantUpdate = z.infer<typeof TenantUpdate>;

export const TenantView = z.object({
  id: z.string(),
  weight: z.number(),
  tier: z.enum(TIERS),
  quota: ResourcesWire,
  cap: ResourcesWire.nullable(),
  createdAt: z.string(),
});
export type TenantView = z.infer<typeof TenantView>;

/** Returned once when a tenant is created or its token rotated; only a hash is kept. */
export const TenantWithToken = z.object({ tenant: TenantView, token: z.string() });
export type TenantWithToken = z.infer<typeof TenantWithToken>;

export const ReasonWire = z.object({
  plugin: z.string(),
  code: z.string(),
  message: z.string(),
  dimension: z.string().optional(),
  nodes: z.number().optional(),
});
export type ReasonWire = z.infer<typeof ReasonWire>;

/** "Why is my job waiting?": filled for pending jobs. */
export const WaitingView = z.object({
  /** 1-based place in the queue under the scheduler profile's order. */
  position: z.number().int().nonnegative(),
  queueLength: z.number().int().nonnegative(),
  neverFits: z.boolean().optional(),
  postponements: z.number().int().nonnegative().optional(),
  priority: z.record(z.string(), z.number()).optional(),
  reasons: z.array(ReasonWire),
  estimatedStartAt: z.string().nullable(),
  lastCycleAt: z.string().nullable(),
});
export type WaitingView = z.infer<typeof WaitingView>;

export const JobView = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string(),
  state: z.enum(JOB_STATES),
  request: ResourcesWire,
  gangSize: z.number().int(),
  priorityClass: z.enum(PRIORITY_CLASSES),
  kind: z.enum(JOB_KINDS),
  preemptible: z.boolean(),
  migratable: z.boolean(),
  command: z.array(z.string()),
  env: z.record(z.string(), z.string()).optional(),
  dataset: z.string().optional(),
  deadline: z.string().optional(),
  nodeIds: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  waiting: WaitingView.optional(),
});
export type JobView = z.infer<typeof JobView>;

export const JobList = z.object({ jobs: z.array(JobView), nextCursor: z.string().nullable() });
export type JobList = z.infer<typeof JobList>;

export const JobListQuery = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  tenant: Id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().regex(/^\d+$/).optional(),
});
export type JobListQuery = z.infer<typeof JobListQuery>;

export const JobEventView = z.object({ seq: z.number().int(), at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()) });
export const JobEventList = z.object({ events: z.array(JobEventView) });
export const LogLine = z.object({ seq: z.number().int(), at: z.string(), stream: z.enum(['stdout', 'stderr']), line: z.string() });
export const LogList = z.object({ lines: z.array(LogLine), nextCursor: z.string().nullable() });
export type LogList = z.infer<typeof LogList>;

/** An operator's request to move a running job: one target node per task (`POST /v1/jobs/:id/migrate`). */
export const MigrateRequest = z.strictObject({ to: z.array(Id).min(1).max(1000) });
export type MigrateRequest = z.infer<typeof MigrateRequest>;

export const NodeRegister = z.strictObject({
  id: Id,
  capacity: ResourceRequest,
  labels: z.record(z.string().max(63), z.string().max(63)).default({}),
  /** Jobs the agent is running now (on re-registration), for the coordinator to re-adopt or stop. */
  jobs: z.array(Id).max(10_000).optional(),
});
export type NodeRegister = z.infer<typeof NodeRegister>;

/** What an agent reports about its tasks since the last heartbeat. */
export const AgentReport = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started'), jobId: Id }),
  z.strictObject({ type: z.literal('exited'), jobId: Id, exitCode: z.number().int(), reason: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('checkpointed'), jobId: Id, checkpointId: z.string().max(200), sizeMiB: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('migrated'), jobId: Id, toNodeIds: z.array(Id).min(1) }),
]);
export type AgentReport = z.infer<typeof AgentReport>;

export const TelemetryWire = z.strictObject({
  jobId: Id.optional(),
  cpu: z.number().nonnegative().max(MAX_CORES),
  memoryMiB: z.number().int().nonnegative().max(MAX_MEM_MIB),
  gpu: z.number().nonnegative().max(MAX_GPUS).default(0),
  netMbps: z.number().int().nonnegative().max(MAX_MEM_MIB).default(0),
});

export const Heartbeat = z.strictObject({
  reports: z.array(AgentReport).max(10_000).default([]),
  telemetry: z.array(TelemetryWire).max(10_000).default([]),
  logs: z.array(z.strictObject({ jobId: Id, stream: z.enum(['stdout', 'stderr']).default('stdout'), line: z.string().max(16_384) })).max(10_000).default([]),
  /** Long-poll: wait up to this long for commands when none are queued. */
  waitMs: z.number().int().min(0).max(30_000).default(0),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/** A command for an agent, with the job's launch details. */
export const AgentCommand = z.object({
  type: z.enum(['LaunchJob', 'StopJob', 'CheckpointJob', 'MigrateJob', 'PreemptJob']),
  jobId: z.string(),
  nodeIds: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  request: ResourcesWire.optional(),
  resumeFromCheckpointId: z.string().optional(),
  reason: ReasonWire.optional(),
});
export type AgentCommand = z.infer<typeof AgentCommand>;
export const HeartbeatReply = z.object({
  commands: z.array(AgentCommand),
  /** This coordinator process's id: an agent that sees it change re-registers with its task list (reconciliation). */
  coordinator: z.string().optional(),
});

export const NodeView = z.object({
  id: z.string(),
  capacity: ResourcesWire,
  allocated: ResourcesWire,
  /** What the node's agent last measured in use (whole node), when it has reported telemetry. */
  used: ResourcesWire.optional(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(NODE_STATUSES),
  lastHeartbeatAt: z.string().nullable(),
});
export type NodeView = z.infer<typeof NodeView>;

export const TenantFairness = z.object({
  tenant: z.string(),
  weight: z.number(),
  share: z.number(),
  fairShare: z.number(),
  rho: z.number(),
  running: z.number().int(),
  pending: z.number().int(),
});
export const FairnessView = z.object({
  at: z.string(),
  jainRaw: z.number(),
  jainNormalised: z.number(),
  utilisation: z.record(z.string(), z.number()),
  tenants: z.array(TenantFairness),
});
export type FairnessView = z.infer<typeof FairnessView>;
export const FairnessHistory = z.object({ points: z.array(FairnessView.pick({ at: true, jainRaw: true, jainNormalised: true, utilisation: true })) });

export const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Server-sent events on /v1/events: `event: <type>` with one of these as data. */
export const StreamEvent = z.object({
  type: z.string(),
  at: z.string(),
  jobId: z.string().optional(),
  tenant: z.string().optional(),
  state: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type StreamEvent = z.infer<typeof StreamEvent>;

export const LogQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export const HistoryQuery = z.strictObject({
  since: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
