// A workload for `fairway up`: tenants (weight, tier) and jobs (an example training script or a command, resources,
// submit offset, optional deadline). YAML or JSON, validated with zod so a typo is an error that names the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../core/util/errors.ts';
import { TIERS } from '../core/domain/tenant.ts';
import { PRIORITY_CLASSES } from '../core/domain/job.ts';
import { repoRoot } from '../paths.ts';

export const EXAMPLES = {
  mlp: 'examples/train-mlp.ts',
  cnn: 'examples/train-cnn.ts',
  'cifar-cnn': 'examples/train-cifar-cnn.ts',
} as const;

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i);

const WorkloadJob = z.strictObject({
  tenant: Id,
  name: Id,
  /** One of the example training jobs, or `command` for anything else. */
  example: z.enum(Object.keys(EXAMPLES) as [keyof typeof EXAMPLES, ...(keyof typeof EXAMPLES)[]]).optional(),
  command: z.array(z.string()).min(1).optional(),
  epochs: z.number().int().positive().optional(),
  trainLimit: z.number().int().positive().optional(),
  testLimit: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
  checkpointEvery: z.number().int().nonnegative().default(20),
  /**
   * A throttle for example jobs: every training step takes at least this long (`--min-step-ms`), so a drill timed
   * against the job's progress sees the same pace on any machine.
   */
  minStepMs: z.number().int().nonnegative().optional(),
  cpu: z.number().positive(),
  memoryMiB: z.number().int().positive(),
  priorityClass: z.enum(PRIORITY_CLASSES).optional(),
  /** Seconds after the start of the run at which the job is submitted. */
  submitAtS: z.number().nonnegative().default(0),
  /** Deadline, seconds after its submission. */
  deadlineS: z.number().positive().optional(),
  /**
   * An operator drill: this many seconds after the job's first progress line, `fairway up` asks the coordinator to
   * move it to another agent (as `fairway migrate` does); the move counts in the summary's `migrations`.
   */
  migrateAfterS: z.number().nonnegative().optional(),
}).refine((j) => (j.example === undefined) !== (j.command === undefined), { message: 'give exactly one of example or command' });
export type WorkloadJob = z.infer<typeof WorkloadJob>;

export const Workload = z.strictObject({
  name: z.string().default('workload'),
  tenants: z.array(z.strictObject({ id: Id, weight: z.number().positive().default(1), tier: z.enum(TIERS).default('silver') })).min(1),
  jobs: z.array(WorkloadJob).min(1),
}).superRefine((w, ctx) => {
  const ids = new Set(w.tenants.map((t) => t.id));
  w.jobs.forEach((j, i) => {
    if (!ids.has(j.tenant)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'tenant'], message: `unknown tenant '${j.tenant}'` });
  });
});
export type Workload = z.infer<typeof Workload>;

export const DEFAULT_WORKLOAD = join(repoRoot, 'examples/workloads/default.yaml');

export function loadWorkload(file: string): Workload {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(`cannot read workload ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const r = Workload.safeParse(raw);
  if (!r.success) throw new InvalidInputError(`invalid workload ${file}: ${z.prettifyError(r.error)}`, { file });
  return r.data;
}

/** The process command of a workload job (run from the repository root). */
export function jobCommand(j: WorkloadJob, nodeExec = process.execPath): string[] {
  if (j.command) return j.command;
  const args = [nodeExec, '--import', 'tsx', EXAMPLES[j.example!]];
  if (j.epochs !== undefined) args.push('--epochs', String(j.epochs));
  if (j.trainLimit !== undefined) args.push('--train-limit', String(j.trainLimit));
  if (j.testLimit !== undefined) args.push('--test-limit', String(j.testLimit));
  if (j.batchSize !== undefined) args.push('--batch-size', String(j.batchSize));
  if (j.minStepMs !== undefined) args.push('--min-step-ms', String(j.minStepMs));
  args.push('--checkpoint-every', String(j.checkpointEvery), '--progress-every', '5');
  return args;
}
