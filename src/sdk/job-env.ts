// The environment a node agent sets for a job process (docs/sdk.md), validated at the edge. Command-line flags of
// the example jobs override these; a job run by hand needs none of them.
import { z } from 'zod';
import { JobConfigError } from './errors.ts';

export const JOB_ENV = {
  jobId: 'FAIRWAY_JOB_ID',
  tenant: 'FAIRWAY_TENANT',
  seed: 'FAIRWAY_SEED',
  backend: 'FAIRWAY_BACKEND',
  checkpointDir: 'FAIRWAY_CHECKPOINT_DIR',
  checkpointEvery: 'FAIRWAY_CHECKPOINT_EVERY',
  resume: 'FAIRWAY_RESUME',
  grid: 'FAIRWAY_GRID',
  progress: 'FAIRWAY_PROGRESS',
  agentFd: 'FAIRWAY_AGENT_FD',
  leaseMs: 'FAIRWAY_LEASE_MS',
  dataReload: 'FAIRWAY_DATA_RELOAD',
} as const;

const intFromString = z.string().regex(/^\d+$/, 'a non-negative integer').transform(Number);

const JobEnvSchema = z.object({
  jobId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 letters, digits, ".", "_" or "-"').optional(),
  tenant: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 letters, digits, ".", "_" or "-"').optional(),
  seed: intFromString.optional(),
  backend: z.enum(['auto', 'wasm', 'cpu']).optional(),
  checkpointDir: z.string().min(1).optional(),
  checkpointEvery: intFromString.optional(),
  resume: z.enum(['auto', 'never']).optional(),
  grid: z.string().min(1).optional(),
  progress: z.enum(['stdout', 'off']).optional(),
  /** The agent's end-of-life socket (parent-watch.ts); set by the agent, never by hand. */
  agentFd: intFromString.optional(),
  /** The agent's lease (src/agent/lease.ts): keepalives missing this long on the agent socket stop the job. */
  leaseMs: intFromString.optional(),
  /** `epoch`: re-read and decode the training data every epoch (the traditional baseline); `once` (default). */
  dataReload: z.enum(['once', 'epoch']).optional(),
});
export type JobEnv = z.infer<typeof JobEnvSchema>;

/** Reads the FAIRWAY_* variables; unset ones stay undefined, malformed ones are a JobConfigError naming them. */
export function readJobEnv(env: NodeJS.ProcessEnv = process.env): JobEnv {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(JOB_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = JobEnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${JOB_ENV[i.path[0] as keyof typeof JOB_ENV] ?? String(i.path[0])}: ${i.message}`);
    throw new JobConfigError(`bad job environment: ${issues.join('; ')}`, { issues });
  }
  return parsed.data;
}
