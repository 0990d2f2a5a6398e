// Rolling forecasts for many signals at once, keyed by name: one per node and resource dimension
// (`node/<id>/gpuMilli`) and one per tenant's queue demand (`tenant/<id>/demand`). Each key has its own
// RollingForecaster (ARIMA with cheap incremental updates) or a baseline, per the configured kind.
import type { ArimaOrder } from './arima.ts';
import { ewmaForecast, holtForecast, naiveForecast } from './baselines.ts';
import { ForecastInputError } from './errors.ts';
import type { ForecasterKind, ModelForecast } from './forecaster.ts';
import { RollingForecaster, type RollingOptions } from './rolling-forecaster.ts';

export interface ForecastBankOptions extends RollingOptions {
  /** Which forecaster each key uses. 'arima' / 'auto-arima' = RollingForecaster. Default 'naive'. */
  readonly kind?: ForecasterKind;
  readonly order?: ArimaOrder;
}

interface Entry {
  readonly history: number[];
  readonly rolling: RollingForecaster | null;
}

export class ForecastBank {
  private readonly entries = new Map<string, Entry>();
  private readonly kind: ForecasterKind;
  private readonly window: number;

  constructor(private readonly options: ForecastBankOptions = {}) {
    this.kind = options.kind ?? 'naive';
    this.window = options.window ?? 240;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The values kept for `key` (oldest first, at most `window`), for display next to its forecast. */
  history(key: string): readonly number[] {
    return this.entries.get(key)?.history ?? [];
  }

  observe(key: string, value: number): void {
    if (!Number.isFinite(value)) throw new ForecastInputError(`value for ${key} is not a finite number`, { key, value });
    let e = this.entries.get(key);
    if (!e) {
      const arima = this.kind === 'arima' || this.kind === 'auto-arima';
      e = { history: [], rolling: arima ? new RollingForecaster(this.options) : null };
      this.entries.set(key, e);
    }
    e.history.push(value);
    if (e.history.length > this.window) e.history.splice(0, e.history.length - this.window);
    e.rolling?.observe(value);
  }

  forecast(key: string, h: number): ModelForecast {
    const e = this.entries.get(key);
    if (!e || e.history.length === 0) throw new ForecastInputError(`no values observed for ${key}`, { key });
    if (e.rolling) return e.rolling.forecast(h);
    const x = e.history;
    if (this.kind === 'ewma' && x.length >= 2) return { ...ewmaForecast(x, h), model: 'ewma' };
    if (this.kind === 'holt' && x.length >= 3) return { ...holtForecast(x, h), model: 'holt' };
    return { ...naiveForecast(x, h), model: 'naive' };
  }
}
