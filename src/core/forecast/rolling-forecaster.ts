// Online forecasting for one signal (a node's load in one resource dimension, a tenant's queue demand): values
// arrive one by one; between refits the ARIMA filter is advanced in O(rd²) per value with fixed coefficients
// (updateArima), every `refitEvery` values the coefficients are re-estimated on the last `window` values, and every
// `reselectEvery` refits the order is chosen again by auto-ARIMA. Falls back to naive while the history is short or
// when no model can be fitted.
import { fitArima, forecastArima, updateArima, type ArimaFit, type ArimaOrder } from './arima.ts';
import { autoArima } from './auto-arima.ts';
import { naiveForecast } from './baselines.ts';
import { ArimaFitError, ForecastInputError } from './errors.ts';
import type { ModelForecast } from './forecaster.ts';

export interface RollingOptions {
  /** Values kept for refits. Default 240. */
  readonly window?: number;
  /** Re-estimate coefficients every this many new values. Default 30. */
  readonly refitEvery?: number;
  /** Re-run order selection every this many refits. Default 10. */
  readonly reselectEvery?: number;
  /** Values needed before ARIMA is tried. Default 30. */
  readonly minHistory?: number;
  /** Fixed order (skips auto-ARIMA). */
  readonly order?: ArimaOrder;
}

export class RollingForecaster {
  private readonly window: number;
  private readonly refitEvery: number;
  private readonly reselectEvery: number;
  private readonly minHistory: number;
  private history: number[] = [];
  private fit: ArimaFit | null = null;
  private order: ArimaOrder | null;
  /** True when the order is chosen by auto-ARIMA (no fixed order given), so it is re-selected from time to time. */
  private readonly autoOrder: boolean;
  private drift = false;
  private sinceRefit = 0;
  private refits = 0;
  private pending: number[] = [];
  private failure: string | null = null;

  constructor(options: RollingOptions = {}) {
    this.window = options.window ?? 240;
    this.refitEvery = options.refitEvery ?? 30;
    this.reselectEvery = options.reselectEvery ?? 10;
    this.minHistory = options.minHistory ?? 30;
    this.order = options.order ?? null;
    this.autoOrder = options.order === undefined;
  }

  /** Number of full refits so far (for tests and benchmarks). */
  get refitCount(): number {
    return this.refits;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new ForecastInputError('observed value is not a finite number', { value });
    this.history.push(value);
    if (this.history.length > this.window) this.history.splice(0, this.history.length - this.window);
    this.pending.push(value);
    this.sinceRefit++;
  }

  forecast(h: number): ModelForecast {
    if (this.history.length === 0) throw new ForecastInputError('no values observed yet');
    if (this.history.length < this.minHistory) return { ...naiveForecast(this.history, h), model: 'naive (warm-up)' };
    if (!this.fit || this.sinceRefit >= this.refitEvery) this.refit();
    else if (this.pending.length > 0) {
      this.fit = updateArima(this.fit, this.pending);
      this.pending = [];
    }
    if (!this.fit) return { ...naiveForecast(this.history, h), model: `naive (fallback: ${this.failure ?? 'no model'})` };
    const [p, d, q] = this.fit.order;
    try {
      return { ...forecastArima(this.fit, h), model: `ARIMA(${p},${d},${q})` };
    } catch (err) {
      if (!(err instanceof ArimaFitError)) throw err;
      return { ...naiveForecast(this.history, h), model: `naive (fallback: ${err.message})` };
    }
  }

  private refit(): void {
    this.sinceRefit = 0;
    this.pending = [];
    this.refits++;
    try {
      if (!this.order || (this.autoOrder && (this.refits - 1) % this.reselectEvery === 0)) {
        const res = autoArima(this.history, { maxP: 3, maxQ: 3 });
        this.order = res.fit.order;
        this.drift = res.fit.includeDrift;
        this.fit = res.fit;
      } else {
        // Warm start from the previous coefficients: the window moved by `refitEvery` values, so the optimum is
        // close and BFGS needs a few iterations instead of a cold search.
        const prev = this.fit;
        const spec = { order: this.order, includeDrift: this.drift && this.order[1] === 1 };
        try {
          this.fit = fitArima(this.history, prev ? { ...spec, init: prev.coef } : spec);
        } catch (err) {
          if (!prev || !(err instanceof ForecastInputError || err instanceof ArimaFitError)) throw err;
          this.fit = fitArima(this.history, spec);
        }
      }
      this.failure = null;
    } catch (err) {
      if (!(err instanceof ForecastInputError || err instanceof ArimaFitError)) throw err;
      this.fit = null;
      this.failure = err.message;
    }
  }
}
