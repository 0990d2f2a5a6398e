// Which scheduling policies the simulator can run, by name. Every policy is a reducer run through the same
// runtime Driver; the simulator does not know which one it runs.
import { InvalidInputError } from '../core/util/errors.ts';
import type { Reducer } from '../runtime/reducer.ts';
import { profileNames } from '../core/scheduler/index.ts';
import { initialRefState, referenceReducer } from './reference-policy.ts';
import { cycleReducer, initialCycleState } from './schedule-reducer.ts';

export interface Policy<S = unknown> {
  readonly name: string;
  readonly reducer: Reducer<S>;
  initialState(): S;
}

const REFERENCE: Readonly<Record<string, () => Policy>> = {
  'ref-fifo': () => ({ name: 'ref-fifo', reducer: referenceReducer(true) as Reducer<unknown>, initialState: initialRefState }),
  'ref-fifo-greedy': () => ({ name: 'ref-fifo-greedy', reducer: referenceReducer(false) as Reducer<unknown>, initialState: initialRefState }),
};

export function policyNames(): string[] {
  return [...profileNames(), ...Object.keys(REFERENCE)];
}

/** A core profile name (fifo, drf, fairway, …) runs the core's scheduling cycle; `ref-*` runs the reference baselines. */
export function resolvePolicy(name: string): Policy {
  const ref = REFERENCE[name];
  if (ref) return ref();
  if (profileNames().includes(name)) {
    return { name, reducer: cycleReducer() as Reducer<unknown>, initialState: () => initialCycleState(name) };
  }
  throw new InvalidInputError(`unknown policy '${name}' (known: ${policyNames().join(', ')})`, { field: 'policy' });
}
