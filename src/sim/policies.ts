// Which scheduling policies the simulator can run, by name. Every policy is a reducer run through the same
// runtime Driver; the simulator does not know which one it runs. Core profile names (fifo, fifo-greedy,
// round-robin, fair-share, drf, tiresias, fairway) run the core's own control reducer `step` — exactly what the
// live coordinator runs; `ref-*` are independent reference baselines used to check replays.
import { createControlState, step, type ControlState } from '../core/control/index.ts';
import { profileNames } from '../core/scheduler/index.ts';
import { InvalidInputError } from '../core/util/errors.ts';
import type { Reducer } from '../runtime/reducer.ts';
import { initialRefState, referenceReducer } from './reference-policy.ts';

export interface Policy<S = unknown> {
  readonly name: string;
  readonly reducer: Reducer<S>;
  initialState(): S;
}

export interface PolicyOptions {
  /**
   * Delay from a change (arrival, exit) to the scheduling cycle it triggers; changes meanwhile ride along.
   * Default 1000 ms, the core's default; 0 schedules at the same instant (hand-computed tests).
   */
  readonly cycleIntervalMs?: number;
}

const REFERENCE: Readonly<Record<string, () => Policy>> = {
  'ref-fifo': () => ({ name: 'ref-fifo', reducer: referenceReducer(true) as Reducer<unknown>, initialState: initialRefState }),
  'ref-fifo-greedy': () => ({ name: 'ref-fifo-greedy', reducer: referenceReducer(false) as Reducer<unknown>, initialState: initialRefState }),
};

export function policyNames(): string[] {
  return [...profileNames(), ...Object.keys(REFERENCE)];
}

export function resolvePolicy(name: string, options: PolicyOptions = {}): Policy {
  const ref = REFERENCE[name];
  if (ref) return ref();
  if (profileNames().includes(name)) {
    const reducer: Reducer<ControlState> = step;
    return {
      name,
      reducer: reducer as Reducer<unknown>,
      initialState: () => createControlState({ profile: name, ...(options.cycleIntervalMs !== undefined ? { cycleIntervalMs: options.cycleIntervalMs } : {}) }),
    };
  }
  throw new InvalidInputError(`unknown policy '${name}' (known: ${policyNames().join(', ')})`, { field: 'policy' });
}
