import { FairwayError, type ErrorContext } from '../util/errors.ts';

/** A scheduler profile that cannot be used: unknown or duplicate plugin names, bad weights. Raised at start-up. */
export class ProfileError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('invalid_profile', message, context);
  }
}
