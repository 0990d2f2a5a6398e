// Typed operational errors (DESIGN.md §4). Each has a stable `code`, readonly `context` and an optional `cause`;
// the server maps codes to HTTP status in one place. Expected outcomes (a job that does not fit) are values, not errors.

export type ErrorContext = Readonly<Record<string, unknown>>;

export class FairwayError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** Input that breaks the contract of a function (negative resources, NaN, unknown enum value). */
export class InvalidInputError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('invalid_input', message, context, options);
  }
}

/** A reference to something that does not exist (unknown tenant, job, node). */
export class NotFoundError extends FairwayError {
  constructor(kind: string, id: string, context: ErrorContext = {}) {
    super('not_found', `unknown ${kind} '${id}'`, { kind, id, ...context });
  }
}

/** A job state change that the state machine forbids. */
export class InvalidTransitionError extends FairwayError {
  constructor(jobId: string, from: string, to: string) {
    super('invalid_transition', `job '${jobId}' cannot go from ${from} to ${to}`, { jobId, from, to });
  }
}

/** Something already exists (duplicate id). */
export class ConflictError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('conflict', message, context);
  }
}
