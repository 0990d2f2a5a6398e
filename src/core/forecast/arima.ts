// ARIMA(p,d,q) with a mean (d = 0) or a drift (d = 1), estimated as R's stats::arima does: CSS, exact ML by the
// Kalman filter, or CSS-ML (CSS estimate as the start of ML). Coefficient names and signs are R's (ar1.., ma1..,
// intercept = process mean, drift = slope on t = 1..n). See ../shared/fixtures/arima/README.md for the definitions.
import { ArimaFitError, ForecastInputError } from './errors.ts';
import { minimizeBfgs, numericHessian, type MinimizeResult } from './optimizer.ts';
import { arIsStationary, maInvert } from './polynomial.ts';
import { cssObjective, cssValueAndGradient, kalmanForecast, kalmanLikelihood, makeStateSpace, solveLinear, type StateSpaceModel } from './state-space.ts';
import { arFromPacfRaw, pacfRawFromAr } from './transform.ts';

export type ArimaMethod = 'CSS' | 'ML' | 'CSS-ML';
export type ArimaOrder = readonly [p: number, d: number, q: number];

export interface ArimaSpec {
  readonly order: ArimaOrder;
  /** Estimate the process mean (only when d = 0; R ignores it for d > 0). Default: true when d = 0. */
  readonly includeMean?: boolean;
  /** Estimate a linear drift (only when d = 1). Default false. */
  readonly includeDrift?: boolean;
  /** Default 'CSS-ML' (R's default). */
  readonly method?: ArimaMethod;
  /** Optimise AR terms in R's PACF/tanh space (keeps them stationary). Default true. */
  readonly transformPars?: boolean;
  /** Diffuse prior variance of the differenced states. Default 1e6. */
  readonly kappa?: number;
  /** Compute R's numerical Hessian and var.coef (costs ~4k² extra likelihoods). Default false. */
  readonly computeVariance?: boolean;
  readonly maxIterations?: number;
  /**
   * CSS only: optimise with the exact gradient instead of R's numerical one (faster; reaches the same optimum
   * within optimiser tolerance but by another path, so not used where R's results are to be reproduced).
   */
  readonly exactCssGradient?: boolean;
  /** Starting values by coefficient name (R's `init`), in R's parametrisation; others start as R does. */
  readonly init?: Readonly<Record<string, number>>;
}

export interface ArimaFit {
  readonly order: ArimaOrder;
  readonly method: ArimaMethod;
  readonly includeMean: boolean;
  readonly includeDrift: boolean;
  readonly coef: Readonly<Record<string, number>>;
  readonly coefNames: readonly string[];
  /** R's sigma2 (ML: from the filter; CSS: SSR / (n - nCond)). */
  readonly sigma2: number;
  readonly loglik: number;
  /** Null for CSS (R leaves them NA). */
  readonly aic: number | null;
  readonly aicc: number | null;
  readonly bic: number | null;
  readonly nUsed: number;
  readonly nCond: number;
  readonly convergence: number;
  /** ML: standardised innovations; CSS: conditional residuals (leading zeros). */
  readonly residuals: readonly number[];
  /** R's var.coef when computeVariance was asked for; null when the Hessian was singular. */
  readonly varCoef?: readonly (readonly number[])[] | null;
  readonly n: number;
  /** Filtered state at the end of the series, ready for forecasting. */
  readonly model: StateSpaceModel;
  readonly functionCalls: number;
}

export interface Forecast {
  readonly mean: number[];
  readonly se: number[];
}

interface Setup {
  readonly x: Float64Array;
  readonly p: number;
  readonly d: number;
  readonly q: number;
  readonly narma: number;
  /** Regressor column (1s for the mean, 1..n for drift), or null. */
  readonly xreg: Float64Array | null;
  readonly xregName: 'intercept' | 'drift' | null;
  readonly names: string[];
  readonly nUsed: number;
}

export function validateSeries(series: readonly number[] | ArrayLike<number>): Float64Array {
  const x = Float64Array.from(series as ArrayLike<number>);
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]!)) throw new ForecastInputError(`series value at index ${i} is not a finite number`, { index: i });
  return x;
}

function setup(series: ArrayLike<number>, spec: ArimaSpec): Setup {
  const [p, d, q] = spec.order;
  for (const [k, v] of [['p', p], ['d', d], ['q', q]] as const)
    if (!Number.isInteger(v) || v < 0 || v > 20) throw new ForecastInputError(`order ${k} must be an integer in 0..20, got ${v}`);
  if (d > 2) throw new ForecastInputError(`d must be 0, 1 or 2, got ${d}`);
  const x = validateSeries(series);
  const n = x.length;
  const includeMean = spec.includeMean ?? d === 0;
  const includeDrift = spec.includeDrift ?? false;
  if (includeDrift && d !== 1) throw new ForecastInputError('drift is supported with d = 1 only', { d });
  if (includeDrift && includeMean && d === 0) throw new ForecastInputError('choose a mean or a drift, not both');
  const xregName = d === 0 && includeMean ? 'intercept' : includeDrift ? 'drift' : null;
  const k = p + q + (xregName ? 1 : 0);
  if (n - d < Math.max(p + q + 1, k + 1) + 1)
    throw new ForecastInputError(`series of length ${n} is too short for ARIMA(${p},${d},${q})`, { n, order: [p, d, q] });
  let xreg: Float64Array | null = null;
  if (xregName === 'intercept') xreg = new Float64Array(n).fill(1);
  else if (xregName === 'drift') xreg = Float64Array.from({ length: n }, (_, i) => i + 1);
  const names = [...Array.from({ length: p }, (_, i) => `ar${i + 1}`), ...Array.from({ length: q }, (_, i) => `ma${i + 1}`)];
  if (xregName) names.push(xregName);
  return { x, p, d, q, narma: p + q, xreg, xregName, names, nUsed: n - d };
}

function diff(v: Float64Array, d: number): Float64Array {
  let w = v;
  for (let k = 0; k < d; k++) {
    const out = new Float64Array(w.length - 1);
    for (let i = 1; i < w.length; i++) out[i - 1] = w[i]! - w[i - 1]!;
    w = out;
  }
  return w;
}

/** R's start for the regression coefficient: lm(diff(x, d) ~ diff(xreg, d) - 1), and parscale = 10 * its se. */
function regressionStart(s: Setup): { beta: number; se: number } {
  const y = diff(s.x, s.d);
  const z = diff(s.xreg!, s.d);
  let zz = 0;
  let zy = 0;
  for (let i = 0; i < y.length; i++) {
    zz += z[i]! * z[i]!;
    zy += z[i]! * y[i]!;
  }
  const beta = zy / zz;
  let rss = 0;
  for (let i = 0; i < y.length; i++) rss += (y[i]! - beta * z[i]!) ** 2;
  const se = Math.sqrt(rss / (y.length - 1) / zz);
  return { beta, se };
}

function residualSeries(s: Setup, beta: number, out?: Float64Array): Float64Array {
  if (!s.xreg) return s.x;
  const y = out ?? new Float64Array(s.x.length);
  for (let i = 0; i < y.length; i++) y[i] = s.x[i]! - beta * s.xreg[i]!;
  return y;
}

function splitArma(s: Setup, par: ArrayLike<number>, trans: boolean): { phi: number[]; theta: number[] } {
  const phiRaw = Array.from({ length: s.p }, (_, i) => par[i]!);
  const phi = trans && s.p > 0 ? arFromPacfRaw(phiRaw, s.p) : phiRaw;
  const theta = Array.from({ length: s.q }, (_, i) => par[s.p + i]!);
  return { phi, theta };
}

function mlObjective(s: Setup, kappa: number, trans: boolean): (par: Float64Array) => number {
  const buf = new Float64Array(s.x.length);
  return (par) => {
    const { phi, theta } = splitArma(s, par, trans);
    const y = residualSeries(s, s.xreg ? par[s.narma]! : 0, buf);
    const mod = makeStateSpace(phi, theta, s.d, kappa);
    const r = kalmanLikelihood(y, mod);
    const s2 = r.ssq / r.nUsed;
    const v = 0.5 * (Math.log(s2) + r.sumLog / r.nUsed);
    // R returns double.xmax for parameters that break the model; NaN would poison the line search.
    return Number.isNaN(v) ? Number.MAX_VALUE : v;
  };
}

function cssFn(s: Setup, nCond: number): (par: Float64Array) => number {
  const buf = new Float64Array(s.x.length);
  const scratch = new Float64Array(2 * s.x.length);
  const phi = new Float64Array(s.p);
  const theta = new Float64Array(s.q);
  return (par) => {
    for (let i = 0; i < s.p; i++) phi[i] = par[i]!;
    for (let i = 0; i < s.q; i++) theta[i] = par[s.p + i]!;
    const y = residualSeries(s, s.xreg ? par[s.narma]! : 0, buf);
    return 0.5 * Math.log(cssObjective(y, s.d, phi, theta, nCond, undefined, scratch));
  };
}

function cssGradientFn(s: Setup, nCond: number): (par: Float64Array, out: Float64Array) => void {
  const k = s.names.length;
  const n = s.x.length;
  const buf = new Float64Array(n);
  const w = new Float64Array(n);
  const work = new Float64Array(n * (k + 1));
  const zDiff = s.xreg ? (() => {
    const z = Float64Array.from(s.xreg);
    for (let i = 0; i < s.d; i++) for (let l = n - 1; l > 0; l--) z[l] = z[l]! - z[l - 1]!;
    return z;
  })() : null;
  const phi = new Float64Array(s.p);
  const theta = new Float64Array(s.q);
  return (par, out) => {
    for (let i = 0; i < s.p; i++) phi[i] = par[i]!;
    for (let i = 0; i < s.q; i++) theta[i] = par[s.p + i]!;
    const y = residualSeries(s, s.xreg ? par[s.narma]! : 0, buf);
    for (let l = 0; l < n; l++) w[l] = y[l]!;
    for (let i = 0; i < s.d; i++) for (let l = n - 1; l > 0; l--) w[l] = w[l]! - w[l - 1]!;
    cssValueAndGradient(w, phi, theta, nCond, zDiff, out, work);
  };
}

/** Inverse with R's checks: throws when the matrix is (computationally) singular. */
function invert(H: Float64Array, n: number): Float64Array | null {
  const inv = new Float64Array(n * n);
  let normA = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(H[i * n + j]!);
    normA = Math.max(normA, s);
  }
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    const col = solveLinear(Float64Array.from(H), e, n);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i]!;
  }
  let normInv = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(inv[i * n + j]!);
    normInv = Math.max(normInv, s);
  }
  if (!Number.isFinite(normInv) || 1 / (normA * normInv) < 2.220446049250313e-16) return null;
  return inv;
}

function gradTrans(s: Setup, coef: Float64Array): Float64Array {
  const n = coef.length;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] = 1;
  if (s.p > 0) {
    const eps = 1e-3;
    const w1 = Array.from({ length: s.p }, (_, i) => coef[i]!);
    const w2 = arFromPacfRaw(w1, s.p);
    for (let i = 0; i < s.p; i++) {
      w1[i]! += eps;
      const w3 = arFromPacfRaw(w1, s.p);
      for (let j = 0; j < s.p; j++) A[i * n + j] = (w3[j]! - w2[j]!) / eps;
      w1[i]! -= eps;
    }
  }
  return A;
}

function toMatrix(v: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * n, i * n + n)));
}

/** Fit an ARIMA model to a series. Throws ForecastInputError for unusable input, ArimaFitError when R would stop. */
export function fitArima(series: ArrayLike<number>, spec: ArimaSpec): ArimaFit {
  const s = setup(series, spec);
  const method = spec.method ?? 'CSS-ML';
  const kappa = spec.kappa ?? 1e6;
  const transform = spec.transformPars ?? true;
  const maxIterations = spec.maxIterations ?? 100;
  const k = s.names.length;
  let min = 0;
  for (let i = 1; i < s.x.length; i++) if (s.x[i] !== s.x[0]) min = 1;
  if (min === 0) throw new ForecastInputError('series is constant: ARIMA is not identified (use a naive forecast)');
  const init = new Float64Array(k);
  const parscale = new Array<number>(k).fill(1);
  if (s.xreg) {
    const { beta, se } = regressionStart(s);
    init[s.narma] = beta;
    parscale[s.narma] = se > 0 && Number.isFinite(se) ? 10 * se : 1;
  }
  if (spec.init) {
    for (const [name, v] of Object.entries(spec.init)) {
      const i = s.names.indexOf(name);
      if (i < 0 || !Number.isFinite(v)) throw new ForecastInputError(`init: unknown or non-finite coefficient ${name}`, { name });
      init[i] = v;
    }
    if (method !== 'CSS' && s.p > 0 && !arIsStationary(Array.from(init.subarray(0, s.p))))
      throw new ForecastInputError('init: non-stationary AR part', { order: [s.p, s.d, s.q] });
  }
  const optim = (fn: (x: Float64Array) => number, x0: Float64Array, gradient?: (x: Float64Array, out: Float64Array) => void): MinimizeResult => {
    try {
      return minimizeBfgs(fn, x0, gradient ? { parscale, maxIterations, gradient } : { parscale, maxIterations });
    } catch (err) {
      throw new ArimaFitError(`optimiser failed for ARIMA(${s.p},${s.d},${s.q}): ${(err as Error).message}`, { order: [s.p, s.d, s.q] }, { cause: err });
    }
  };
  let functionCalls = 0;
  let convergence = 0;
  let coef: Float64Array;
  let value: number;
  let nCond = 0;
  let varCoef: number[][] | null | undefined;

  if (method === 'CSS') {
    nCond = s.d + s.p;
    const fn = cssFn(s, nCond);
    const res = optim(fn, init, spec.exactCssGradient ? cssGradientFn(s, nCond) : undefined);
    functionCalls += res.functionCalls;
    convergence = res.convergence;
    coef = Float64Array.from(res.x);
    value = res.value;
    if (spec.computeVariance) {
      const H = numericHessian(fn, coef, parscale);
      for (let i = 0; i < H.length; i++) H[i]! *= s.nUsed;
      const inv = invert(H, k);
      varCoef = inv ? toMatrix(inv, k) : null;
    }
  } else {
    const start = Float64Array.from(init);
    if (method === 'CSS-ML') {
      const res = optim(cssFn(s, s.d + s.p), init);
      functionCalls += res.functionCalls;
      if (res.convergence === 0) start.set(res.x);
      if (s.p > 0 && !arIsStationary(Array.from(start.subarray(0, s.p))))
        throw new ArimaFitError('non-stationary AR part from CSS', { order: [s.p, s.d, s.q] });
    }
    if (transform) {
      if (s.p > 0) start.set(pacfRawFromAr(start.subarray(0, s.p), s.p), 0);
      if (s.q > 0) start.set(maInvert(Array.from(start.subarray(s.p, s.p + s.q))), s.p);
    }
    const fn = mlObjective(s, kappa, transform);
    let res = optim(fn, start);
    functionCalls += res.functionCalls;
    convergence = res.convergence;
    coef = Float64Array.from(res.x);
    value = res.value;
    if (transform && s.q > 0) {
      const inv = maInvert(Array.from(coef.subarray(s.p, s.p + s.q)));
      let changed = false;
      for (let i = 0; i < s.q; i++) if (inv[i] !== coef[s.p + i]) changed = true;
      if (changed) {
        coef.set(inv, s.p);
        value = fn(coef);
        res = { ...res, x: coef, value };
      }
    }
    if (spec.computeVariance) {
      const H = numericHessian(fn, coef, parscale);
      for (let i = 0; i < H.length; i++) H[i]! *= s.nUsed;
      const inv = invert(H, k);
      if (!inv) varCoef = null;
      else if (transform) {
        const A = gradTrans(s, coef);
        // var = A' H^-1 A
        const tmp = new Float64Array(k * k);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
          let acc = 0;
          for (let l = 0; l < k; l++) acc += inv[i * k + l]! * A[l * k + j]!;
          tmp[i * k + j] = acc;
        }
        const out = new Float64Array(k * k);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
          let acc = 0;
          for (let l = 0; l < k; l++) acc += A[l * k + i]! * tmp[l * k + j]!;
          out[i * k + j] = acc;
        }
        varCoef = toMatrix(out, k);
      } else varCoef = toMatrix(inv, k);
    }
    if (transform && s.p > 0) coef.set(arFromPacfRaw(coef.subarray(0, s.p), s.p), 0);
  }
  const ev = evaluate(s, coef, method === 'CSS' ? 'CSS' : 'ML', nCond, kappa);
  // loglik from the optimiser's objective value, as R does (value is at the reported coefficients).
  const loglik = -0.5 * (2 * s.nUsed * value + s.nUsed + s.nUsed * Math.log(2 * Math.PI));
  return finish(s, coef, method, ev, loglik, nCond, convergence, functionCalls, varCoef);
}

interface Evaluation {
  sigma2: number;
  loglik: number;
  residuals: number[];
  model: StateSpaceModel;
}

function evaluate(s: Setup, coef: ArrayLike<number>, kind: 'CSS' | 'ML', nCond: number, kappa: number): Evaluation {
  const { phi, theta } = splitArma(s, coef, false);
  const y = residualSeries(s, s.xreg ? coef[s.narma]! : 0);
  const model = makeStateSpace(phi, theta, s.d, kappa);
  const kres = new Float64Array(y.length);
  const lk = kalmanLikelihood(y, model, kres);
  const n = s.nUsed;
  if (kind === 'CSS') {
    const cres = new Float64Array(y.length);
    const sigma2 = cssObjective(y, s.d, phi, theta, nCond, cres);
    return { sigma2, loglik: -0.5 * n * (Math.log(2 * Math.PI) + 1 + Math.log(sigma2)), residuals: Array.from(cres), model };
  }
  const sigma2 = lk.ssq / n;
  const value = 0.5 * (Math.log(lk.ssq / lk.nUsed) + lk.sumLog / lk.nUsed);
  return { sigma2, loglik: -0.5 * (2 * n * value + n + n * Math.log(2 * Math.PI)), residuals: Array.from(kres), model };
}

function finish(
  s: Setup,
  coef: ArrayLike<number>,
  method: ArimaMethod,
  ev: Evaluation,
  loglik: number,
  nCond: number,
  convergence: number,
  functionCalls: number,
  varCoef?: number[][] | null,
): ArimaFit {
  const named: Record<string, number> = {};
  s.names.forEach((nm, i) => (named[nm] = coef[i]!));
  const k = s.names.length;
  let aic: number | null = null;
  let aicc: number | null = null;
  let bic: number | null = null;
  if (method !== 'CSS') {
    aic = -2 * loglik + 2 * (k + 1);
    const npar = k + 1;
    const N = s.nUsed;
    aicc = aic + 2 * npar * (N / (N - npar - 1) - 1);
    bic = aic + npar * (Math.log(N) - 2);
  }
  const fit: ArimaFit = {
    order: [s.p, s.d, s.q],
    method,
    includeMean: s.xregName === 'intercept',
    includeDrift: s.xregName === 'drift',
    coef: named,
    coefNames: s.names,
    sigma2: ev.sigma2,
    loglik,
    aic,
    aicc,
    bic,
    nUsed: s.nUsed,
    nCond,
    convergence,
    residuals: ev.residuals,
    n: s.x.length,
    model: ev.model,
    functionCalls,
  };
  return varCoef === undefined ? fit : { ...fit, varCoef };
}

/**
 * Evaluate a model at given coefficients without optimising (R with all parameters fixed): loglik, sigma2,
 * residuals and the filtered state for forecasting. `method` picks the CSS or the exact likelihood.
 */
export function evaluateArima(series: ArrayLike<number>, spec: ArimaSpec, coef: Readonly<Record<string, number>>): ArimaFit {
  const s = setup(series, spec);
  const method = spec.method ?? 'CSS-ML';
  const vec = s.names.map((nm) => {
    const v = coef[nm];
    if (v === undefined || !Number.isFinite(v)) throw new ForecastInputError(`coefficient ${nm} missing or not finite`);
    return v;
  });
  const nCond = method === 'CSS' ? s.d + s.p : 0;
  const ev = evaluate(s, vec, method === 'CSS' ? 'CSS' : 'ML', nCond, spec.kappa ?? 1e6);
  return finish(s, vec, method, ev, ev.loglik, nCond, 0, 0);
}

/** R's predict.Arima: h-step forecasts and standard errors (no parameter uncertainty), using fit.sigma2. */
export function forecastArima(fit: ArimaFit, h: number, sigma2: number = fit.sigma2): Forecast {
  if (!Number.isInteger(h) || h < 1) throw new ForecastInputError(`horizon must be a positive integer, got ${h}`);
  const z = kalmanForecast(fit.model, h);
  const mean = z.mean.map((m, i) => {
    if (fit.includeMean) return m + fit.coef.intercept!;
    if (fit.includeDrift) return m + fit.coef.drift! * (fit.n + i + 1);
    return m;
  });
  const se = z.variance.map((v) => Math.sqrt(v * sigma2));
  // Never hand out NaN/Infinity: an explosive AR part (possible with CSS, as in R) or a negative state variance
  // makes the forecast meaningless; callers (Forecaster, RollingForecaster) fall back to naive on this error.
  if (!mean.every(Number.isFinite) || !se.every(Number.isFinite))
    throw new ArimaFitError('forecast is not finite (explosive or degenerate model)', { order: fit.order, h });
  return { mean, se };
}

function cloneModel(m: StateSpaceModel): StateSpaceModel {
  return { ...m, a: Float64Array.from(m.a), P: Float64Array.from(m.P), Pn: Float64Array.from(m.Pn) };
}

/**
 * Online use: advance a fitted model's filter over newly observed values, keeping its coefficients (O(rd²) per value,
 * no optimisation). The returned fit forecasts from the end of the extended series; refit from time to time.
 */
export function updateArima(fit: ArimaFit, values: ArrayLike<number>): ArimaFit {
  const v = validateSeries(values);
  if (v.length === 0) return fit;
  const model = cloneModel(fit.model);
  const y = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    let off = 0;
    if (fit.includeMean) off = fit.coef.intercept!;
    else if (fit.includeDrift) off = fit.coef.drift! * (fit.n + i + 1);
    y[i] = v[i]! - off;
  }
  kalmanLikelihood(y, model, undefined, true);
  return { ...fit, model, n: fit.n + v.length };
}
