// Operational errors of the coordinator, each with a stable code (mapped to HTTP status in http-errors.ts).
import { FairwayError } from '../core/util/errors.ts';

/** No node of the cluster could ever hold the job as asked (request larger than any node, gang larger than the cluster, above the tenant's cap). */
export class NeverFitsError extends FairwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('never_fits', message, context);
  }
}

/** A submission replayed with an idempotency key already used: nothing new is created; details name the job. */
export class DuplicateSubmissionError extends FairwayError {
  constructor(jobId: string, sameBody: boolean) {
    super(sameBody ? 'duplicate_submission' : 'idempotency_key_reused',
      sameBody
        ? `this submission was already accepted as job '${jobId}' (same Idempotency-Key); nothing new was created`
        : `the Idempotency-Key was already used for job '${jobId}' with a different body`,
      { jobId });
  }
}
