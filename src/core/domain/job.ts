// A job: what a tenant asked for (JobSpec) and where it is in its life (JobState), with a state machine that
// rejects impossible changes.
import { InvalidInputError, InvalidTransitionError } from '../util/errors.ts';
import { type Resources, isZero, validateResources } from './resources.ts';
import { validateId } from './tenant.ts';

export const PRIORITY_CLASSES = ['critical', 'high', 'normal', 'low'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

export const JOB_KINDS = ['train', 'infer'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface JobSpec {
  readonly id: string;
  readonly tenantId: string;
  readonly name?: string;
  /** Resources for each task; a gang of N tasks needs N times this, all placed at once or none. */
  readonly request: Resources;
  readonly gangSize: number;
  readonly priorityClass: PriorityClass;
  readonly submittedAtMs: number;
  readonly deadlineMs?: number;
  readonly expectedDurationMs?: number;
  /** Dataset this job reads (`name@version`), used for data locality. */
  readonly datasetRef?: string;
  readonly preemptible: boolean;
  readonly migratable: boolean;
  readonly kind: JobKind;
  /** Node labels the job requires (all must match). */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

export const JOB_STATES = [
  'pending',
  'running',
  'checkpointing',
  'migrating',
  'preempted',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

/** Allowed transitions. `running → preempted` also covers a job whose node was lost. */
const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  pending: ['running', 'cancelled', 'failed'],
  running: ['checkpointing', 'preempted', 'succeeded', 'failed', 'cancelled'],
  checkpointing: ['running', 'migrating', 'preempted', 'succeeded', 'failed', 'cancelled'],
  // A job may finish (or fail) on its old node while it is asked to move: the request came too late.
  migrating: ['running', 'preempted', 'succeeded', 'failed', 'cancelled'],
  preempted: ['pending', 'cancelled', 'failed'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Returns `to` when the change is allowed, else throws InvalidTransitionError. */
export function transition(jobId: string, from: JobState, to: JobState): JobState {
  if (!canTransition(from, to)) throw new InvalidTransitionError(jobId, from, to);
  return to;
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/** Total resources of the whole gang. */
export function totalRequest(spec: JobSpec): Resources {
  const n = spec.gangSize;
  const r = spec.request;
  return { cpuMilli: r.cpuMilli * n, gpuMilli: r.gpuMilli * n, memMiB: r.memMiB * n, netMbps: r.netMbps * n };
}

export function validateJobSpec(spec: JobSpec): JobSpec {
  validateId(spec.id, 'job.id');
  validateId(spec.tenantId, 'job.tenantId');
  validateResources(spec.request, 'job.request');
  if (isZero(spec.request)) throw new InvalidInputError('job.request must ask for some resource', { field: 'job.request' });
  if (!Number.isInteger(spec.gangSize) || spec.gangSize < 1 || spec.gangSize > 100_000) {
    throw new InvalidInputError(`job.gangSize must be an integer from 1 to 100000, got ${String(spec.gangSize)}`, { field: 'job.gangSize' });
  }
  if (!PRIORITY_CLASSES.includes(spec.priorityClass)) {
    throw new InvalidInputError(`job.priorityClass must be one of ${PRIORITY_CLASSES.join(', ')}, got ${JSON.stringify(spec.priorityClass)}`, { field: 'job.priorityClass' });
  }
  if (!JOB_KINDS.includes(spec.kind)) {
    throw new InvalidInputError(`job.kind must be one of ${JOB_KINDS.join(', ')}, got ${JSON.stringify(spec.kind)}`, { field: 'job.kind' });
  }
  for (const field of ['submittedAtMs', 'deadlineMs', 'expectedDurationMs'] as const) {
    const v = spec[field];
    if (v === undefined && field !== 'submittedAtMs') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidInputError(`job.${field} must be a non-negative finite number, got ${String(v)}`, { field: `job.${field}` });
    }
  }
  return spec;
}
