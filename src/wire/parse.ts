// One way to turn unknown input into a typed value at the edge: a zod schema, and on failure an InvalidInputError
// whose message names the first bad field (`request.cpu: Too small ...`) and whose details list every issue.
import type { z } from 'zod';
import { InvalidInputError } from '../core/util/errors.ts';

export interface WireIssue {
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesOf(error: z.ZodError, prefix = ''): WireIssue[] {
  return error.issues.map((i) => {
    // Unknown keys are reported at the parent; name the key itself so the message points at the field.
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys: string[] }).keys;
      return { path: formatPath([...i.path, keys[0] ?? ''], prefix), message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}` };
    }
    return { path: formatPath(i.path, prefix), message: i.message };
  });
}

/** Parses `input` with `schema`, or throws InvalidInputError naming the field(s). `what` prefixes paths (e.g. `job`). */
export function parseWire<S extends z.ZodType>(schema: S, input: unknown, what = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = issuesOf(r.error, what);
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new InvalidInputError(`${first.path}: ${first.message}${more}`, { issues });
}
