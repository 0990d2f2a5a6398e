// Baseline forecasters behind the same interface as ARIMA: naive (random walk), EWMA (simple exponential
// smoothing) and Holt's linear trend. Smoothing constants are chosen by one-step SSE on the history.
import type { Forecast } from './arima.ts';
import { ForecastInputError } from './errors.ts';

function check(history: readonly number[], h: number, min: number, name: string): void {
  if (!Number.isInteger(h) || h < 1) throw new ForecastInputError(`horizon must be a positive integer, got ${h}`);
  if (history.length < min) throw new ForecastInputError(`${name} needs at least ${min} values, got ${history.length}`);
  for (let i = 0; i < history.length; i++)
    if (!Number.isFinite(history[i]!)) throw new ForecastInputError(`series value at index ${i} is not a finite number`, { index: i });
}

/** Random walk: the last value, with se = sd(diff) * sqrt(h). */
export function naiveForecast(history: readonly number[], h: number): Forecast {
  check(history, h, 1, 'naive');
  const last = history[history.length - 1]!;
  let ss = 0;
  for (let i = 1; i < history.length; i++) ss += (history[i]! - history[i - 1]!) ** 2;
  const sigma = history.length > 1 ? Math.sqrt(ss / (history.length - 1)) : 0;
  return { mean: new Array<number>(h).fill(last), se: Array.from({ length: h }, (_, i) => sigma * Math.sqrt(i + 1)) };
}

function sesSse(history: readonly number[], alpha: number): { sse: number; level: number } {
  let level = history[0]!;
  let sse = 0;
  for (let i = 1; i < history.length; i++) {
    const e = history[i]! - level;
    sse += e * e;
    level += alpha * e;
  }
  return { sse, level };
}

/** Golden-section search of a unimodal-ish function on [lo, hi]. */
function goldenMin(f: (x: number) => number, lo: number, hi: number, iters = 40): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iters; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/** Simple exponential smoothing; alpha fitted by one-step SSE unless given. se = sigma sqrt(1 + (h-1) alpha²). */
export function ewmaForecast(history: readonly number[], h: number, alphaFixed?: number): Forecast {
  check(history, h, 2, 'EWMA');
  const alpha = alphaFixed ?? goldenMin((a) => sesSse(history, a).sse, 0.0001, 0.9999);
  const { sse, level } = sesSse(history, alpha);
  const sigma = Math.sqrt(sse / Math.max(1, history.length - 1));
  return {
    mean: new Array<number>(h).fill(level),
    se: Array.from({ length: h }, (_, i) => sigma * Math.sqrt(1 + i * alpha * alpha)),
  };
}

function holtRun(history: readonly number[], alpha: number, beta: number): { sse: number; level: number; trend: number } {
  let level = history[0]!;
  let trend = history[1]! - history[0]!;
  let sse = 0;
  for (let i = 1; i < history.length; i++) {
    const e = history[i]! - (level + trend);
    sse += e * e;
    level = level + trend + alpha * e;
    trend = trend + alpha * beta * e;
  }
  return { sse, level, trend };
}

/** Holt's linear trend (error-correction form); alpha and beta by SSE (grid, then golden refinement). */
export function holtForecast(history: readonly number[], h: number): Forecast {
  check(history, h, 3, 'Holt');
  let best = { alpha: 0.5, beta: 0.1, sse: Infinity };
  for (const alpha of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99])
    for (const beta of [0.001, 0.01, 0.05, 0.1, 0.2, 0.4]) {
      const r = holtRun(history, alpha, beta);
      if (r.sse < best.sse) best = { alpha, beta, sse: r.sse };
    }
  const alpha = goldenMin((a) => holtRun(history, a, best.beta).sse, Math.max(0.0001, best.alpha / 2), Math.min(0.9999, best.alpha * 1.5 + 0.01), 25);
  const beta = goldenMin((b) => holtRun(history, alpha, b).sse, 0.0001, Math.min(0.9999, best.beta * 3 + 0.01), 25);
  const r = holtRun(history, alpha, beta);
  const sigma = Math.sqrt(r.sse / Math.max(1, history.length - 2));
  const se: number[] = [];
  let acc = 1;
  for (let i = 0; i < h; i++) {
    if (i > 0) acc += (alpha + alpha * beta * i) ** 2;
    se.push(sigma * Math.sqrt(acc));
  }
  return { mean: Array.from({ length: h }, (_, i) => r.level + (i + 1) * r.trend), se };
}
