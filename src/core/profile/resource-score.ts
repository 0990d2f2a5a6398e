// The seed's resource score RS = α·Mu + β·Cd + γ·Ni on normalised values, with (α, β, γ) chosen by workload class.
//   Mu = memory use / node memory, Cd = compute demand = max(cpu / node cpu, gpu / node gpu),
//   Ni = network I/O / node network. All in 0..1 (clamped), so RS is in 0..1 when the weights sum to 1.
// The class is the dominant normalised dimension: memory-bound (Mu), compute-bound (Cd) or I/O-bound (Ni); ties go
// compute > memory > io so the result is a total order.
import type { Resources } from '../domain/resources.ts';
import { InvalidInputError } from '../util/errors.ts';

export const WORKLOAD_CLASSES = ['compute', 'memory', 'io'] as const;
export type WorkloadClass = (typeof WORKLOAD_CLASSES)[number];

export interface ScoreWeights {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
}

/** Defaults: the class's own dimension counts most (0.6), the others share the rest. */
export const DEFAULT_CLASS_WEIGHTS: Readonly<Record<WorkloadClass, ScoreWeights>> = {
  memory: { alpha: 0.6, beta: 0.3, gamma: 0.1 },
  compute: { alpha: 0.2, beta: 0.6, gamma: 0.2 },
  io: { alpha: 0.2, beta: 0.2, gamma: 0.6 },
};

export interface NormalisedDemand {
  readonly mu: number;
  readonly cd: number;
  readonly ni: number;
}

const clamp01 = (x: number): number => (x <= 0 || !Number.isFinite(x) ? 0 : x >= 1 ? 1 : x);
const ratio = (a: number, b: number): number => (b > 0 ? clamp01(a / b) : 0);

export function normalise(demand: Resources, capacity: Resources): NormalisedDemand {
  return {
    mu: ratio(demand.memMiB, capacity.memMiB),
    cd: Math.max(ratio(demand.cpuMilli, capacity.cpuMilli), ratio(demand.gpuMilli, capacity.gpuMilli)),
    ni: ratio(demand.netMbps, capacity.netMbps),
  };
}

export function classify(n: NormalisedDemand): WorkloadClass {
  if (n.cd >= n.mu && n.cd >= n.ni) return 'compute';
  if (n.mu >= n.ni) return 'memory';
  return 'io';
}

export function validateClassWeights(w: Readonly<Record<WorkloadClass, ScoreWeights>>): void {
  for (const c of WORKLOAD_CLASSES) {
    for (const k of ['alpha', 'beta', 'gamma'] as const) {
      const v = w[c][k];
      if (!Number.isFinite(v) || v < 0) {
        throw new InvalidInputError(`resource score weight ${c}.${k} must be a non-negative finite number, got ${v}`, { field: `${c}.${k}` });
      }
    }
  }
}

export interface ResourceScore {
  readonly rs: number;
  readonly cls: WorkloadClass;
  readonly normalised: NormalisedDemand;
}

export function resourceScore(
  demand: Resources,
  capacity: Resources,
  weights: Readonly<Record<WorkloadClass, ScoreWeights>> = DEFAULT_CLASS_WEIGHTS,
): ResourceScore {
  const n = normalise(demand, capacity);
  const cls = classify(n);
  const w = weights[cls];
  return { rs: w.alpha * n.mu + w.beta * n.cd + w.gamma * n.ni, cls, normalised: n };
}
