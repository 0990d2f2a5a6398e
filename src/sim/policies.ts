// Which scheduling policies the simulator can run, by name. Every policy is a reducer run through the same
// runtime Driver; the simulator does not know which one it runs.
import { InvalidInputError } from '../core/util/errors.ts';
import type { Reducer } from '../runtime/reducer.ts';
import { initialRefState, referenceReducer } from './reference-policy.ts';

export interface Policy<S = unknown> {
  readonly name: string;
  readonly reducer: Reducer<S>;
  initialState(): S;
}

const REFERENCE: Readonly<Record<string, () => Policy>> = {
  'ref-fifo': () => ({ name: 'ref-fifo', reducer: referenceReducer(true) as Reducer<unknown>, initialState: initialRefState }),
  'ref-fifo-greedy': () => ({ name: 'ref-fifo-greedy', reducer: referenceReducer(false) as Reducer<unknown>, initialState: initialRefState }),
};

/** Names the core provides once its control reducer is merged (issue 2); until then FIFO falls back to the reference. */
const FALLBACK: Readonly<Record<string, string>> = { fifo: 'ref-fifo', 'fifo-greedy': 'ref-fifo-greedy' };

export function policyNames(): string[] {
  return [...Object.keys(FALLBACK), ...Object.keys(REFERENCE)];
}

export function resolvePolicy(name: string): Policy {
  const ref = REFERENCE[name] ?? REFERENCE[FALLBACK[name] ?? ''];
  if (ref) return { ...ref(), name };
  throw new InvalidInputError(`unknown policy '${name}' (known: ${policyNames().join(', ')})`, { field: 'policy' });
}
