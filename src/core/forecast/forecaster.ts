// One interface over ARIMA and the baselines, so the balancer and the evaluation can swap them. ARIMA falls back to
// the naive forecast (documented, and reported in `model`) when the history is too short, constant, or no model fits.
import { fitArima, forecastArima, type ArimaOrder, type Forecast } from './arima.ts';
import { autoArima } from './auto-arima.ts';
import { ewmaForecast, holtForecast, naiveForecast } from './baselines.ts';
import { ArimaFitError, ForecastInputError } from './errors.ts';

export type ForecasterKind = 'naive' | 'ewma' | 'holt' | 'arima' | 'auto-arima';

export interface ModelForecast extends Forecast {
  /** What produced it, e.g. `ARIMA(1,1,1)`, `naive`, `naive (fallback: series is constant)`. */
  readonly model: string;
}

export interface Forecaster {
  readonly kind: ForecasterKind;
  forecast(history: readonly number[], h: number): ModelForecast;
}

export interface ArimaForecasterOptions {
  /** Fixed order; omitted = auto-ARIMA (stepwise). */
  readonly order?: ArimaOrder;
  readonly includeDrift?: boolean;
  readonly maxP?: number;
  readonly maxQ?: number;
}

function fallback(history: readonly number[], h: number, why: string): ModelForecast {
  return { ...naiveForecast(history, h), model: `naive (fallback: ${why})` };
}

export function makeForecaster(kind: ForecasterKind, options: ArimaForecasterOptions = {}): Forecaster {
  switch (kind) {
    case 'naive':
      return { kind, forecast: (x, h) => ({ ...naiveForecast(x, h), model: 'naive' }) };
    case 'ewma':
      return { kind, forecast: (x, h) => ({ ...ewmaForecast(x, h), model: 'ewma' }) };
    case 'holt':
      return { kind, forecast: (x, h) => ({ ...holtForecast(x, h), model: 'holt' }) };
    case 'arima':
    case 'auto-arima':
      return {
        kind,
        forecast: (x, h) => {
          try {
            if (options.order && kind === 'arima') {
              const fit = fitArima(x, { order: options.order, includeDrift: options.includeDrift ?? false });
              const [p, d, q] = fit.order;
              return { ...forecastArima(fit, h), model: `ARIMA(${p},${d},${q})` };
            }
            const res = autoArima(x, { maxP: options.maxP ?? 3, maxQ: options.maxQ ?? 3 });
            const [p, d, q] = res.fit.order;
            return { ...res.forecast(h), model: `ARIMA(${p},${d},${q})${res.fit.includeDrift ? ' with drift' : ''}` };
          } catch (err) {
            if (err instanceof ForecastInputError || err instanceof ArimaFitError) {
              if (x.length === 0) throw err;
              return fallback(x, h, err.message);
            }
            throw err;
          }
        },
      };
  }
}
