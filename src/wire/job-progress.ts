// The job protocol's progress lines (docs/sdk.md): what a training process prints on stdout, one JSON object per
// line, and what the agent parses and forwards. Every line carries `fw: 1`, so other output (a library's warnings,
// a user's prints) is never mistaken for progress.
import { z } from 'zod';

/** A metric: JSON has no NaN or Infinity, so a diverged loss (NaN) travels as null. */
const metric = z.number().nullable();

const base = {
  fw: z.literal(1),
  jobId: z.string(),
  /** Wall-clock time of the event in the job process (ms since the epoch); informational only. */
  atMs: z.number(),
  /** Bytes the job process has sent and received over the sockets it opened (src/sdk/net-counter.ts), when measured. */
  netBytes: z.number().int().nonnegative().optional(),
};

export const JobStartedLine = z.object({
  ...base, type: z.literal('start'),
  model: z.string(), backend: z.string(), backendNote: z.string().optional(),
  dataset: z.string(), dataSource: z.enum(['grid', 'disk', 'generated']), dataNote: z.string(),
  trainItems: z.number().int(), testItems: z.number().int(),
  epochs: z.number().int(), batchSize: z.number().int(), stepsPerEpoch: z.number().int(), totalSteps: z.number().int(),
  seed: z.number().int(), checkpointStore: z.enum(['grid', 'disk', 'memory', 'none']),
  resumedFromStep: z.number().int().nullable(),
});

export const ProgressLine = z.object({
  ...base, type: z.literal('progress'),
  /** Optimiser steps completed (global, across restarts). */
  step: z.number().int(),
  /** Epoch the step belongs to, 0-based. */
  epoch: z.number().int(),
  totalSteps: z.number().int(),
  /** Mean training loss and accuracy over the steps since the previous progress line. */
  loss: metric,
  accuracy: metric,
  samplesPerS: metric,
});

export const EvalLine = z.object({
  ...base, type: z.literal('eval'),
  step: z.number().int(), epoch: z.number().int(),
  testLoss: metric, testAccuracy: metric, testItems: z.number().int(),
});

export const CheckpointLine = z.object({
  ...base, type: z.literal('checkpoint'),
  step: z.number().int(), epoch: z.number().int(),
  reason: z.enum(['interval', 'request', 'stop', 'final']),
  store: z.enum(['grid', 'disk', 'memory']), version: z.number().int(), bytes: z.number().int(), durationMs: z.number(),
});

/**
 * A checkpoint that could not be stored (the grid unavailable past its retries, e.g. during a Redis failover). The
 * previous checkpoint stays the committed one; an interval checkpoint is then skipped and training goes on.
 */
export const CheckpointFailedLine = z.object({
  ...base, type: z.literal('checkpoint_failed'),
  step: z.number().int(), epoch: z.number().int(),
  reason: z.enum(['interval', 'request', 'stop', 'final']),
  code: z.string(), message: z.string(),
  /** The step of the checkpoint a restore would use now (null when there is none). */
  fallbackStep: z.number().int().nullable(),
});

export const RestoredLine = z.object({
  ...base, type: z.literal('restore'),
  step: z.number().int(), epoch: z.number().int(), store: z.enum(['grid', 'disk', 'memory']), version: z.number().int(),
  /** Newer checkpoints that failed their checksum and were skipped. */
  skipped: z.array(z.string()),
});

export const StoppedLine = z.object({
  ...base, type: z.literal('stopped'),
  reason: z.enum(['preempt', 'migrate', 'stop', 'orphaned', 'lease-expired']), step: z.number().int(), epoch: z.number().int(),
  /** null when the job had no checkpoint store (then it cannot resume). */
  checkpointVersion: z.number().int().nullable(), exitCode: z.number().int(),
});

export const DoneLine = z.object({
  ...base, type: z.literal('done'),
  step: z.number().int(), epoch: z.number().int(),
  loss: metric, testLoss: metric, testAccuracy: metric, samplesPerS: metric, trainingMs: z.number(),
});

export const ErrorLine = z.object({
  ...base, type: z.literal('error'),
  code: z.string(), message: z.string(), exitCode: z.number().int(),
});

export const JobProgressEvent = z.discriminatedUnion('type', [
  JobStartedLine, ProgressLine, EvalLine, CheckpointLine, CheckpointFailedLine, RestoredLine, StoppedLine, DoneLine, ErrorLine,
]);
export type JobProgressEvent = z.infer<typeof JobProgressEvent>;
export type JobProgressType = JobProgressEvent['type'];
/** One event of a given type, as the SDK builds it (without the fields the reporter fills in). */
export type JobProgressOf<T extends JobProgressType> = Extract<JobProgressEvent, { type: T }>;

/** Exit codes of a job process (docs/sdk.md). */
export const JOB_EXIT = {
  /** Trained to the end. */
  completed: 0,
  /** Failed: an error line says why. */
  failed: 1,
  /** Bad command line or environment. */
  usage: 2,
  /** Stopped on request (SIGTERM, preemption, migration) after a checkpoint was committed: resumable. */
  checkpointedAndStopped: 75,
  /** Stopped on request but had nowhere to checkpoint: not resumable. */
  stoppedWithoutCheckpoint: 76,
} as const;

/**
 * Parses one stdout line: the event when it is a progress line, undefined for ordinary output. A line that claims
 * to be one (`"fw":1`) but does not match the schema is reported as an error value, not dropped silently.
 */
export function parseProgressLine(line: string): { event: JobProgressEvent } | { invalid: string } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"fw"')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (err) {
    return { invalid: `not JSON: ${(err as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || (raw as { fw?: unknown }).fw !== 1) return undefined;
  const parsed = JobProgressEvent.safeParse(raw);
  return parsed.success ? { event: parsed.data } : { invalid: z.prettifyError(parsed.error) };
}
