// Automatic order selection as forecast 8.20's auto.arima (non-seasonal): d from repeated KPSS tests (alpha 0.05),
// then the Hyndman–Khandakar stepwise search from ARIMA(2,d,2) or the full grid, by AICc of CSS-ML fits, rejecting
// models with AR/MA roots within 1.01 of the unit circle or a non-invertible Hessian (R's checkarima).
import { ArimaFitError, ForecastInputError } from './errors.ts';
import { fitArima, forecastArima, validateSeries, type ArimaFit, type Forecast } from './arima.ts';
import { minRootModulus } from './polynomial.ts';

export interface AutoArimaOptions {
  readonly stepwise?: boolean;
  readonly maxP?: number;
  readonly maxQ?: number;
  readonly maxOrder?: number;
  readonly maxD?: number;
  /** Fix d instead of testing for it. */
  readonly d?: number;
  readonly startP?: number;
  readonly startQ?: number;
  readonly allowDrift?: boolean;
  readonly allowMean?: boolean;
  readonly ic?: 'aicc' | 'aic' | 'bic';
  readonly nModels?: number;
  /**
   * Search with CSS fits and an AIC offset, then refit the best models by CSS-ML (forecast's `approximation`).
   * Default as in forecast: when the series is longer than 150.
   */
  readonly approximation?: boolean;
}

export interface AutoArimaCandidate {
  readonly order: readonly [number, number, number];
  readonly constant: boolean;
  /** Information criterion; Infinity when the model was rejected or failed. */
  readonly ic: number;
}

export interface AutoArimaResult {
  /** The chosen fit; its sigma2 is the forecast package's sum(residuals²) / (n_used - npar + 1). */
  readonly fit: ArimaFit;
  readonly sigma2Ml: number;
  readonly trace: readonly AutoArimaCandidate[];
  readonly d: number;
  forecast(h: number): Forecast;
}

/** KPSS level-stationarity statistic as urca::ur.kpss(type = "mu", lags = "short"). */
export function kpssStatistic(x: ArrayLike<number>): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = x[i]! - mean;
  let S = 0;
  let num = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    S += e[i]!;
    num += S * S;
    s2 += e[i]! * e[i]!;
  }
  num /= n * n;
  s2 /= n;
  const lmax = Math.trunc((3 * Math.sqrt(n)) / 13);
  let acc = 0;
  for (let l = 1; l <= lmax; l++) {
    let c = 0;
    for (let t = l; t < n; t++) c += e[t]! * e[t - l]!;
    acc += (1 - l / (lmax + 1)) * c;
  }
  return num / (s2 + (2 / n) * acc);
}

/** p-value as forecast's urca_pval: linear interpolation in the KPSS table (10%, 5%, 2.5%, 1%), clamped. */
export function kpssPValue(stat: number): number {
  const cval = [0.347, 0.463, 0.574, 0.739];
  const pct = [0.1, 0.05, 0.025, 0.01];
  if (stat <= cval[0]!) return pct[0]!;
  if (stat >= cval[3]!) return pct[3]!;
  for (let i = 0; i < 3; i++)
    if (stat <= cval[i + 1]!) return pct[i]! + ((stat - cval[i]!) / (cval[i + 1]! - cval[i]!)) * (pct[i + 1]! - pct[i]!);
  return pct[3]!;
}

function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function diffOnce(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - 1));
  for (let i = 1; i < x.length; i++) out[i - 1] = x[i]! - x[i - 1]!;
  return out;
}

/** forecast::ndiffs(test = "kpss", alpha = 0.05). */
export function ndiffsKpss(series: ArrayLike<number>, maxD = 2, alpha = 0.05): number {
  let x: ArrayLike<number> = series;
  let d = 0;
  if (isConstant(x)) return 0;
  let dodiff = kpssPValue(kpssStatistic(x)) < alpha;
  while (dodiff && d < maxD) {
    d++;
    x = diffOnce(x);
    if (isConstant(x)) return d;
    dodiff = kpssPValue(kpssStatistic(x)) < alpha;
  }
  return d;
}

interface Candidate {
  fit: ArimaFit | null;
  ic: number;
  sigma2Ml: number;
}

/** forecast's myarima: a CSS-ML fit with its IC, or IC = Infinity when it fails or sits near a unit root. */
function tryModel(x: Float64Array, p: number, d: number, q: number, constant: boolean, ic: 'aicc' | 'aic' | 'bic', approx: { offset: number } | null): Candidate {
  let fit: ArimaFit;
  try {
    fit = fitArima(x, {
      order: [p, d, q],
      includeMean: d === 0 && constant,
      includeDrift: d === 1 && constant,
      method: approx ? 'CSS' : 'CSS-ML',
      computeVariance: true,
      exactCssGradient: approx !== null,
    });
  } catch (err) {
    if (err instanceof ArimaFitError || err instanceof ForecastInputError) return { fit: null, ic: Infinity, sigma2Ml: NaN };
    throw err;
  }
  const nstar = x.length - d;
  const npar = fit.coefNames.length + 1;
  if (approx) {
    // myarima for CSS: aic = offset + nstar log(sigma2) + 2 npar, and the usual aicc / bic from it.
    const aic = approx.offset + nstar * Math.log(fit.sigma2) + 2 * npar;
    fit = { ...fit, aic, aicc: aic + (2 * npar * (npar + 1)) / (nstar - npar - 1), bic: aic + npar * (Math.log(nstar) - 2) };
  }
  const value = ic === 'aicc' ? fit.aicc! : ic === 'aic' ? fit.aic! : fit.bic!;
  let icv = Number.isFinite(value) ? value : Infinity;
  let ss = 0;
  for (const r of fit.residuals) ss += r * r;
  const sigma2 = ss / (nstar - npar + 1);
  let minroot = 2;
  const trimmed = (v: number[]): number[] => {
    let last = v.length;
    while (last > 0 && !(Math.abs(v[last - 1]!) > 1e-8)) last--;
    return v.slice(0, last);
  };
  if (p > 0) {
    const ar = trimmed(Array.from({ length: p }, (_, i) => fit.coef[`ar${i + 1}`]!));
    if (ar.length > 0) minroot = Math.min(minroot, minRootModulus([1, ...ar.map((v) => -v)]));
  }
  if (q > 0 && icv < Infinity) {
    const ma = trimmed(Array.from({ length: q }, (_, i) => fit.coef[`ma${i + 1}`]!));
    if (ma.length > 0) minroot = Math.min(minroot, minRootModulus([1, ...ma]));
  }
  const badVar = !fit.varCoef || fit.varCoef.some((row, i) => !(row[i]! >= 0));
  if (minroot < 1 + 1e-2 || badVar) icv = Infinity;
  return { fit: { ...fit, sigma2 }, ic: icv, sigma2Ml: fit.sigma2 };
}

export function autoArima(series: ArrayLike<number>, options: AutoArimaOptions = {}): AutoArimaResult {
  const x = validateSeries(series);
  if (x.length < 3) throw new ForecastInputError(`series of length ${x.length} is too short for auto-ARIMA`);
  if (isConstant(x)) throw new ForecastInputError('series is constant: no ARIMA model to select (use a naive forecast)');
  const n = x.length;
  let ic = options.ic ?? 'aicc';
  if (n <= 3) ic = 'aic';
  const maxP = Math.min(options.maxP ?? 5, Math.floor(n / 3));
  const maxQ = Math.min(options.maxQ ?? 5, Math.floor(n / 3));
  const maxOrder = options.maxOrder ?? 5;
  const d = options.d ?? ndiffsKpss(x, options.maxD ?? 2);
  const dx = (() => {
    let v: Float64Array = x;
    for (let i = 0; i < d; i++) v = diffOnce(v);
    return v;
  })();
  if (dx.length === 0) throw new ForecastInputError('not enough data after differencing');
  if (isConstant(dx)) throw new ForecastInputError('differenced series is constant: the data follow a polynomial (use a naive or drift forecast)');
  const allowDrift = (options.allowDrift ?? true) && d === 1;
  const allowMean = (options.allowMean ?? true) && d === 0;
  let approx: { offset: number } | null = null;
  if (options.approximation ?? n > 150) {
    // forecast's offset: from an ARIMA(1,d,0) fitted properly, so CSS-based AICs are on the ML scale.
    try {
      const f0 = fitArima(x, { order: [1, d, 0], includeMean: d === 0 });
      approx = { offset: -2 * f0.loglik - n * Math.log(f0.sigma2) };
    } catch (err) {
      if (!(err instanceof ArimaFitError || err instanceof ForecastInputError)) throw err;
      approx = null;
    }
  }
  const trace: AutoArimaCandidate[] = [];
  const tried = new Set<string>();
  const key = (p: number, q: number, c: boolean): string => `${p},${q},${c ? 1 : 0}`;
  let best: Candidate = { fit: null, ic: Infinity, sigma2Ml: NaN };
  const run = (p: number, q: number, c: boolean): Candidate => {
    const cand = tryModel(x, p, d, q, c, ic, approx);
    tried.add(key(p, q, c));
    trace.push({ order: [p, d, q], constant: c, ic: cand.ic });
    return cand;
  };

  if (options.stepwise === false) {
    const maxK = allowDrift || allowMean ? 1 : 0;
    for (let i = 0; i <= maxP; i++)
      for (let j = 0; j <= maxQ; j++) {
        if (i + j > maxOrder) continue;
        for (let K = 0; K <= maxK; K++) {
          const cand = run(i, j, K === 1);
          if (cand.ic < best.ic) best = cand;
        }
      }
  } else {
    const nModels = options.nModels ?? 94;
    let constant = allowDrift || allowMean;
    let startP = options.startP ?? 2;
    let startQ = options.startQ ?? 2;
    if (n < 10) {
      startP = Math.min(startP, 1);
      startQ = Math.min(startQ, 1);
    }
    let p = Math.min(startP, maxP);
    let q = Math.min(startQ, maxQ);
    best = run(p, q, constant);
    let fit = run(0, 0, constant);
    if (fit.ic < best.ic) {
      best = fit;
      p = q = 0;
    }
    if (maxP > 0) {
      fit = run(1, 0, constant);
      if (fit.ic < best.ic) {
        best = fit;
        p = 1;
        q = 0;
      }
    }
    if (maxQ > 0) {
      fit = run(0, 1, constant);
      if (fit.ic < best.ic) {
        best = fit;
        p = 0;
        q = 1;
      }
    }
    if (constant) {
      fit = run(0, 0, false);
      if (fit.ic < best.ic) {
        best = fit;
        p = q = 0;
      }
    }
    let k = trace.length;
    let startk = 0;
    // Neighbour moves in forecast 8.20's order; the first improvement restarts the scan from the new model.
    // forecast 8.20's stepwise search does not apply max.order (its trace on log(AirPassengers) visits
    // ARIMA(4,1,4)); only the full search does.
    const moves: Array<[number, number]> = [[-1, 0], [0, -1], [1, 0], [0, 1], [-1, -1], [-1, 1], [1, -1], [1, 1]];
    while (startk < k && k < nModels) {
      startk = k;
      let moved = false;
      for (const [dp, dq] of moves) {
        const np = p + dp;
        const nq = q + dq;
        if (np < 0 || nq < 0 || np > maxP || nq > maxQ) continue;
        if (tried.has(key(np, nq, constant))) continue;
        k++;
        if (k > nModels) break;
        fit = run(np, nq, constant);
        if (fit.ic < best.ic) {
          best = fit;
          p = np;
          q = nq;
          moved = true;
          break;
        }
      }
      if (moved || k > nModels) continue;
      if ((allowDrift || allowMean) && !tried.has(key(p, q, !constant))) {
        k++;
        if (k > nModels) continue;
        fit = run(p, q, !constant);
        if (fit.ic < best.ic) {
          best = fit;
          constant = !constant;
        }
      }
    }
  }
  if (approx && best.fit) {
    // Refit the candidates without approximation, best IC first, until one is acceptable.
    const order = trace.map((c, i) => ({ c, i })).filter(({ c }) => !Number.isNaN(c.ic)).sort((a, b) => a.c.ic - b.c.ic || a.i - b.i);
    best = { fit: null, ic: Infinity, sigma2Ml: NaN };
    for (const { c } of order) {
      const cand = tryModel(x, c.order[0], d, c.order[2], c.constant, ic, null);
      if (cand.ic < Infinity) {
        best = cand;
        break;
      }
    }
  }
  if (!best.fit || best.ic === Infinity) throw new ArimaFitError('no suitable ARIMA model found', { d });
  const chosen = best.fit;
  return {
    fit: chosen,
    sigma2Ml: best.sigma2Ml,
    trace,
    d,
    forecast: (h: number) => forecastArima(chosen, h),
  };
}
