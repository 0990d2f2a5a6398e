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

/** Variables the agent sets for every job process; a submission may not set them (it could pose as another tenant). */
export const CLUSTER_SET_ENV = ['FAIRWAY_JOB_ID', 'FAIRWAY_NODE_ID', 'FAIRWAY_TENANT', 'FAIRWAY_RESUME_FROM'] as const;

export const JobSubmission = z.strictObject({
  name: z.string().min(1).max(200),
  request: ResourceRequest,
  command: z.array(z.string().max(10_000)).min(1).max(1_000),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable name'), z.string().max(10_000))
    .refine((env) => !Object.keys(env).some((k) => (CLUSTER_SET_ENV as readonly string[]).includes(k)), {
      message: `${CLUSTER_SET_ENV.join(', ')} are set by the cluster (a job cannot name another job, node or tenant)`,
    }).optional(),
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
  /** When it is expected to start (see `estimate` for how it was estimated, or why there is no estimate). */
  estimatedStartAt: z.string().nullable(),
  estimate: z.object({
    /** reservation: nodes are held for it (backfilling's shadow time); queue: when enough running work ends for it and the jobs ahead; none. */
    basis: z.enum(['reservation', 'queue', 'none']),
    /** In words: how the estimate was made, or why there is none. */
    note: z.string(),
  }).optional(),
  /** The nodes held for it while it is starving (the aging guarantee); null when it holds none. */
  reservation: z.object({ nodeIds: z.array(z.string()), since: z.string(), estimatedStartAt: z.string().nullable() }).nullable().optional(),
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

/** What an agent reports about its tasks since the last heartbeat. */
export const AgentReport = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started'), jobId: Id }),
  z.strictObject({ type: z.literal('exited'), jobId: Id, exitCode: z.number().int(), reason: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('checkpointed'), jobId: Id, checkpointId: z.string().max(200), sizeMiB: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('migrated'), jobId: Id, toNodeIds: z.array(Id).min(1) }),
]);
export type AgentReport = z.infer<typeof AgentReport>;

export const NodeRegister = z.strictObject({
  id: Id,
  capacity: ResourceRequest,
  labels: z.record(z.string().max(63), z.string().max(63)).default({}),
  /** Jobs the agent is running now (on re-registration), for the coordinator to re-adopt or stop. */
  jobs: z.array(Id).max(10_000).optional(),
  /**
   * Reports the coordinator has not acknowledged yet (a job that exited while the coordinator was away). Applied
   * before the task list is compared, so a job that finished is recorded as finished, not taken for lost.
   */
  reports: z.array(AgentReport).max(10_000).optional(),
});
export type NodeRegister = z.infer<typeof NodeRegister>;

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
  /**
   * The coordinator's node timeout (0: nodes are never declared lost). The agent derives its lease from it
   * (src/agent/lease.ts): jobs run only while the lease is fresh, so they stop before the node can be declared lost.
   * Also in the register reply. Absent from older coordinators: no lease.
   */
  nodeTimeoutMs: z.number().int().nonnegative().optional(),
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

/** What one tenant holds in the data grid the coordinator knows (its own partition; the shared datasets are charged to nobody). */
export const TenantGridView = z.object({
  tenant: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Bytes rounded up to MiB (the unit of Resources.memMiB). */
  memMiB: z.number().int().nonnegative(),
  keys: z.number().int().nonnegative(),
  /** hits ÷ (hits + misses) of reads in its partition; null before any read. */
  hitRatio: z.number().nullable(),
  evictions: z.number().int().nonnegative(),
});
export type TenantGridView = z.infer<typeof TenantGridView>;

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
  /** `all`: every tenant (admin). `own`: a tenant token sees only its own row; Jain's index and utilisation stay cluster-wide. */
  visibility: z.enum(['all', 'own']).optional(),
  /** How many tenants the cluster has (also when only one row is shown). */
  tenantCount: z.number().int().nonnegative().optional(),
  /** Tenants with running or pending work (the others hold no share and are left out of Jain's index). */
  tenants: z.array(TenantFairness),
  /**
   * What each tenant holds in the data grid the coordinator knows, every tenant (with work or not), read every few
   * seconds (`at`: when; null before the first read). null: the coordinator has no grid.
   */
  grid: z.object({ kind: z.string(), at: z.string().nullable(), tenants: z.array(TenantGridView) }).nullable().optional(),
});
export type FairnessView = z.infer<typeof FairnessView>;
export const FairnessHistory = z.object({ points: z.array(FairnessView.pick({ at: true, jainRaw: true, jainNormalised: true, utilisation: true })) });

/** One predicted point of a node's load: the mean and the prediction band mean ± z·se, as fractions of capacity. */
export const ForecastPoint = z.object({ at: z.string(), mean: z.number(), lo: z.number(), hi: z.number() });
export const NodeForecast = z.object({
  nodeId: z.string(),
  dimension: z.enum(['cpuMilli', 'gpuMilli', 'memMiB', 'netMbps']),
  /** `balancer`: the predictive balancer's own forecast (what it acts on); `telemetry`: the coordinator's forecaster over agent telemetry. */
  source: z.enum(['balancer', 'telemetry']),
  /** What produced it, e.g. `ARIMA(1,0,0)` or `naive (warm-up)` while the history is short. */
  model: z.string(),
  stepMs: z.number().int().positive(),
  horizonSteps: z.number().int().positive(),
  /** Band half-width in standard errors. */
  z: z.number().positive(),
  /** The observed loads the forecast is made from (oldest first, fraction of capacity). */
  observed: z.array(z.object({ at: z.string(), value: z.number() })),
  points: z.array(ForecastPoint),
});
export type NodeForecast = z.infer<typeof NodeForecast>;

/** A migration by the load balancer: planned (the move is under way) or done (the agent reported it). */
export const MigrationView = z.object({
  jobId: z.string(),
  tenant: z.string().optional(),
  phase: z.enum(['planned', 'done']),
  from: z.array(z.string()),
  to: z.array(z.string()),
  reason: z.string().optional(),
  at: z.string(),
});
export type MigrationView = z.infer<typeof MigrationView>;

export const ClusterView = z.object({
  at: z.string(),
  utilisation: z.record(z.string(), z.number()),
  queueLength: z.number().int(),
  jobs: z.record(z.string(), z.number()),
  nodes: z.number().int(),
  lastCycle: z.object({ at: z.string(), durationMs: z.number(), pending: z.number().int(), placed: z.number().int() }).nullable(),
  /** Per node and dimension (capacity > 0): observed load and its forecast with band. Empty until a node reports telemetry. */
  forecasts: z.array(NodeForecast),
  /** Why `forecasts` is empty or partial, in words (absent when there is nothing to say). */
  forecastNote: z.string().optional(),
  migrations: z.object({
    /** Moves under way now (target capacity held until the agent reports the move). */
    planned: z.array(MigrationView),
    /** The last moves planned or done, newest first. */
    recent: z.array(MigrationView),
    balancer: z.boolean(),
  }),
});
export type ClusterView = z.infer<typeof ClusterView>;

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
export const EventsQuery = z.strictObject({
  /** 1: also stream each heartbeat's new log lines of visible jobs (`event: logs`, data.lines: [{stream, line}]). */
  logs: z.enum(['0', '1']).optional().transform((v) => v === '1'),
});
export const HistoryQuery = z.strictObject({
  since: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
