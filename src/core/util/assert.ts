// Invariant checks: a failure here is a bug in Fairway, so it crashes loudly (DESIGN.md §4).

export class AssertionFailedError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'AssertionFailedError';
  }
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionFailedError(typeof message === 'function' ? message() : message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new AssertionFailedError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
