// The shape of the core's control reducer as the driver sees it (DESIGN.md §1.2): `step(state, event, now, rng)`
// returns the next state and the commands to execute. The driver is generic over the state type, so any reducer
// with this shape (the full core, a test double, a reference baseline) runs through the same driver.
import type { Command, Event } from '../core/domain/index.ts';
import type { Rng } from '../core/util/rng.ts';

export interface StepResult<S> {
  readonly state: S;
  readonly commands: readonly Command[];
}

export type Reducer<S> = (state: S, event: Event, nowMs: number, rng: Rng) => StepResult<S>;
