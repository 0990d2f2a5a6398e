// Operational errors of the job SDK, each with a stable code (docs/sdk.md).
import { FairwayError, type ErrorContext } from '../core/util/errors.ts';

/** Checkpoint bytes that fail their checksum or do not parse: the store falls back to the previous checkpoint. */
export class CheckpointCorruptError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('checkpoint_corrupt', message, context);
  }
}

/** A checkpoint that does not fit the model being trained (other layer shapes, other optimiser). */
export class CheckpointMismatchError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('checkpoint_mismatch', message, context);
  }
}

/** A dataset the SDK does not know, or one that could be read neither from the grid nor from disk. */
export class DatasetUnavailableError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('dataset_unavailable', message, context, options);
  }
}

/** Bad job configuration (environment variables or flags). */
export class JobConfigError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('job_config', message, context);
  }
}
