// Which scheduling policies the simulator can run, by name. Every policy is a reducer run through the same
// runtime Driver; the simulator does not know which one it runs. Core profile names (fifo, fifo-greedy,
// round-robin, fair-share, drf, tiresias, fairway) run the core's own control reducer `step` — exactly what the
// live coordinator runs; `ref-*` are independent reference baselines used to check replays.
import { createControlState, step, type ControlState } from '../core/control/index.ts';
import { BALANCER_FORECASTERS, type BalancerForecaster, type BalancerOptions } from '../core/control/balance-tick.ts';
import { fairwayProfile, profileNames, type FairwayOptions, type ProfileConfig } from '../core/scheduler/index.ts';
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
  /** Load balancer options for `*-balancer[-<forecaster>]` policies (the name enables it and picks the forecaster). */
  readonly balancer?: Omit<BalancerOptions, 'enabled' | 'forecaster'>;
}

const REFERENCE: Readonly<Record<string, () => Policy>> = {
  'ref-fifo': () => ({ name: 'ref-fifo', reducer: referenceReducer(true) as Reducer<unknown>, initialState: initialRefState }),
  'ref-fifo-greedy': () => ({ name: 'ref-fifo-greedy', reducer: referenceReducer(false) as Reducer<unknown>, initialState: initialRefState }),
};

const ABLATIONS = ['aging', 'fairness', 'bestFit', 'locality', 'interference', 'forecast', 'preemption', 'indexed'] as const;

export function policyNames(): string[] {
  return [...profileNames(), ...Object.keys(REFERENCE), 'fairway-no-<component>[-no-<component>…]', `<core policy>-balancer[-${BALANCER_FORECASTERS.join('|')}]`];
}

/** `fairway-balancer-arima` → base `fairway` with the load balancer on, ARIMA node-load forecasts (default: naive). */
function balancerSuffix(name: string): { base: string; forecaster?: BalancerForecaster } | undefined {
  const m = /^(.+)-balancer(?:-([a-z]+))?$/.exec(name);
  if (!m) return undefined;
  const f = m[2];
  if (f !== undefined && !(BALANCER_FORECASTERS as readonly string[]).includes(f)) {
    throw new InvalidInputError(`unknown balancer forecaster '${f}' in policy '${name}' (known: ${BALANCER_FORECASTERS.join(', ')})`, { field: 'policy' });
  }
  return { base: m[1] as string, ...(f !== undefined ? { forecaster: f as BalancerForecaster } : {}) };
}

/** `fairway-no-aging-no-fairness` → the full profile with those components switched off (ablation). */
function ablation(name: string): ProfileConfig | undefined {
  if (!name.startsWith('fairway-no-')) return undefined;
  const off = name.slice('fairway-no-'.length).split('-no-');
  const opts: Record<string, boolean> = {};
  for (const c of off) {
    const key = ABLATIONS.find((a) => a.toLowerCase() === c.replace(/-/g, '').toLowerCase());
    if (!key) throw new InvalidInputError(`unknown Fairway component '${c}' in policy '${name}' (known: ${ABLATIONS.join(', ')})`, { field: 'policy' });
    opts[key] = false;
  }
  return { ...fairwayProfile(opts as FairwayOptions), name };
}

export function resolvePolicy(name: string, options: PolicyOptions = {}): Policy {
  const ref = REFERENCE[name];
  if (ref) return ref();
  const bal = balancerSuffix(name);
  const baseName = bal?.base ?? name;
  const base: ProfileConfig | string | undefined = profileNames().includes(baseName) ? baseName : ablation(baseName);
  // Ablation profiles carry their own name; a balancer run reports the full policy name.
  const profile = base !== undefined && typeof base === 'object' && bal ? { ...base, name: baseName } : base;
  if (profile !== undefined) {
    const reducer: Reducer<ControlState> = step;
    const balancer: BalancerOptions | undefined = bal ? { ...options.balancer, enabled: true, ...(bal.forecaster ? { forecaster: bal.forecaster } : {}) } : undefined;
    return {
      name,
      reducer: reducer as Reducer<unknown>,
      initialState: () =>
        createControlState({ profile, ...(options.cycleIntervalMs !== undefined ? { cycleIntervalMs: options.cycleIntervalMs } : {}), ...(balancer ? { balancer } : {}) }),
    };
  }
  throw new InvalidInputError(`unknown policy '${name}' (known: ${policyNames().join(', ')})`, { field: 'policy' });
}
