// Rolling-origin evaluation of forecasters (Hyndman & Athanasopoulos, "time series cross-validation"): at each origin
// fit on the last `window` values, forecast `horizon` steps, score against what happened. MASE is scaled by the
// in-window one-step naive MAE; MAPE skips actual values of 0. A paired t statistic over origins says whether one
// method's MASE is measurably below another's.
import type { Forecaster } from './forecaster.ts';

export interface RollingOriginOptions {
  readonly window: number;
  readonly horizon: number;
  /** Steps between origins. */
  readonly step: number;
  /** Cap on the number of origins (evenly from the start). */
  readonly maxOrigins?: number;
}

export interface MethodScore {
  readonly method: string;
  /** Mean MASE over origins and horizons. */
  readonly mase: number;
  /** Mean MAPE (%) over non-zero actuals. */
  readonly mape: number;
  /** Per-origin mean MASE (for paired comparisons). */
  readonly perOrigin: readonly number[];
  /** Models used, with counts (e.g. fallbacks). */
  readonly models: Readonly<Record<string, number>>;
}

export function scaledErrors(train: readonly number[], actual: readonly number[], predicted: readonly number[]): { mase: number; ape: number[] } {
  let scale = 0;
  for (let i = 1; i < train.length; i++) scale += Math.abs(train[i]! - train[i - 1]!);
  scale /= Math.max(1, train.length - 1);
  let mae = 0;
  const ape: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i]! - predicted[i]!);
    mae += e;
    if (actual[i] !== 0) ape.push((100 * e) / Math.abs(actual[i]!));
  }
  mae /= actual.length;
  // A window with no change at all has scale 0: count a perfect forecast as 0 and any error as a large finite value.
  const mase = scale > 0 ? mae / scale : mae === 0 ? 0 : 1e3;
  return { mase, ape };
}

export function rollingOrigin(series: readonly number[], forecasters: readonly Forecaster[], o: RollingOriginOptions): MethodScore[] {
  const origins: number[] = [];
  for (let t = o.window; t + o.horizon <= series.length; t += o.step) origins.push(t);
  const chosen = o.maxOrigins && origins.length > o.maxOrigins
    ? Array.from({ length: o.maxOrigins }, (_, i) => origins[Math.floor((i * origins.length) / o.maxOrigins!)]!)
    : origins;
  return forecasters.map((f) => {
    const perOrigin: number[] = [];
    const apes: number[] = [];
    const models: Record<string, number> = {};
    for (const t of chosen) {
      const train = series.slice(t - o.window, t);
      const actual = series.slice(t, t + o.horizon);
      const fc = f.forecast(train, o.horizon);
      const key = fc.model.startsWith('naive (fallback') ? 'naive (fallback)' : fc.model;
      models[key] = (models[key] ?? 0) + 1;
      const s = scaledErrors(train, actual, fc.mean);
      perOrigin.push(s.mase);
      apes.push(...s.ape);
    }
    const mean = (v: readonly number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
    return { method: f.kind, mase: mean(perOrigin), mape: mean(apes), perOrigin, models };
  });
}

/** Paired t statistic of (a - b) over origins; negative = a has lower error. */
export function pairedT(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += a[i]! - b[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[i]! - b[i]! - m) ** 2;
  v /= n - 1;
  return v === 0 ? (m === 0 ? 0 : m < 0 ? -Infinity : Infinity) : m / Math.sqrt(v / n);
}

/**
 * The rule of the issue: a method (ARIMA in particular) is the default only where it measurably beats naive — lower
 * mean MASE by at least `minGain` (relative) with a paired t statistic below `-tCrit`. Otherwise naive.
 */
export function measurablyBeats(method: MethodScore, naive: MethodScore, minGain = 0.02, tCrit = 2): boolean {
  return method.mase <= naive.mase * (1 - minGain) && pairedT(method.perOrigin, naive.perOrigin) < -tCrit;
}

/** The default for a series: the lowest-MASE method among those that measurably beat naive, else naive. */
export function chooseDefault(scores: readonly MethodScore[]): string {
  const naive = scores.find((s) => s.method === 'naive');
  if (!naive) return scores[0]?.method ?? 'naive';
  const winners = scores.filter((s) => s.method !== 'naive' && measurablyBeats(s, naive)).sort((a, b) => a.mase - b.mase || (a.method < b.method ? -1 : 1));
  return winners[0]?.method ?? 'naive';
}
