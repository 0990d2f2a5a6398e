import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../util/rng.ts';
import { fitArima, forecastArima, updateArima, evaluateArima } from './arima.ts';
import { autoArima, kpssPValue } from './auto-arima.ts';
import { ewmaForecast, holtForecast, naiveForecast } from './baselines.ts';
import { ArimaFitError, ForecastInputError } from './errors.ts';
import { makeForecaster } from './forecaster.ts';
import { maInvert, polyRoots, arIsStationary } from './polynomial.ts';
import { minimizeBfgs } from './optimizer.ts';
import { RollingForecaster } from './rolling-forecaster.ts';
import { arFromPacfRaw, pacfRawFromAr } from './transform.ts';

/** AR(1) around 50 with phi = 0.7, unit noise (Box–Muller on the seeded rng). */
function ar1Series(n: number, seed = 7): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  let w = 0;
  for (let i = 0; i < n; i++) {
    const u1 = Math.max(rng.next(), 1e-12);
    const u2 = rng.next();
    const e = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    w = 0.7 * w + e;
    out.push(50 + w);
  }
  return out;
}

test('polynomial roots: (1 - 2z)(1 + z) has roots 0.5 and -1', () => {
  const roots = polyRoots([1, -1, -2]).map((r) => r.re).sort((a, b) => a - b);
  assert.ok(Math.abs(roots[0]! + 1) < 1e-12 && Math.abs(roots[1]! - 0.5) < 1e-12);
  assert.equal(arIsStationary([0.5]), true);
  assert.equal(arIsStationary([1.2]), false);
});

test('maInvert flips roots inside the unit circle (ma1 = 2 -> 0.5) and keeps invertible ones', () => {
  assert.deepEqual(maInvert([2]), [0.5]);
  assert.deepEqual(maInvert([0.3]), [0.3]);
  const inv = maInvert([-2.5, 1]); // roots 0.5 and 2 -> 2 and 2: 1 - z + 0.25 z^2
  assert.ok(Math.abs(inv[0]! + 1) < 1e-9 && Math.abs(inv[1]! - 0.25) < 1e-9, String(inv));
});

test('PACF transform round-trips and always gives a stationary AR polynomial', () => {
  const phi = arFromPacfRaw([3, -2, 5], 3);
  assert.ok(arIsStationary(phi));
  const back = arFromPacfRaw(pacfRawFromAr(phi, 3), 3);
  phi.forEach((v, i) => assert.ok(Math.abs(v - back[i]!) < 1e-9));
});

test('BFGS minimises the Rosenbrock function', () => {
  const res = minimizeBfgs((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1], { maxIterations: 500 });
  assert.ok(Math.abs(res.x[0]! - 1) < 1e-3 && Math.abs(res.x[1]! - 1) < 1e-3, String(res.x));
});

test('ARIMA recovers an AR(1) and its forecasts revert towards the mean', () => {
  const x = ar1Series(400);
  const fit = fitArima(x, { order: [1, 0, 0], method: 'ML' });
  assert.ok(Math.abs(fit.coef.ar1! - 0.7) < 0.1, `ar1 ${fit.coef.ar1}`);
  assert.ok(Math.abs(fit.coef.intercept! - 50) < 1, `mean ${fit.coef.intercept}`);
  const fc = forecastArima(fit, 50);
  assert.ok(Math.abs(fc.mean[49]! - fit.coef.intercept!) < 1e-3);
  for (let i = 1; i < fc.se.length; i++) assert.ok(fc.se[i]! >= fc.se[i - 1]!);
});

test('updateArima over new values equals a filter run over the whole series at the same coefficients', () => {
  const x = ar1Series(200, 3);
  const fit = fitArima(x.slice(0, 150), { order: [1, 1, 1], includeDrift: true });
  const online = updateArima(fit, x.slice(150));
  const batch = evaluateArima(x, { order: [1, 1, 1], includeDrift: true, method: 'ML' }, fit.coef);
  const a = forecastArima(online, 5);
  const b = forecastArima(batch, 5, fit.sigma2);
  a.mean.forEach((v, i) => assert.ok(Math.abs(v - b.mean[i]!) < 1e-8, `${v} vs ${b.mean[i]}`));
  a.se.forEach((v, i) => assert.ok(Math.abs(v - b.se[i]!) < 1e-8));
});

test('bad input gives typed errors, never NaN', () => {
  assert.throws(() => fitArima([1, 2, Number.NaN, 4, 5, 6, 7, 8], { order: [1, 0, 0] }), ForecastInputError);
  assert.throws(() => fitArima([1, 2, Infinity, 4, 5, 6, 7, 8], { order: [1, 0, 0] }), ForecastInputError);
  assert.throws(() => fitArima([1, 2, 3], { order: [2, 1, 2] }), ForecastInputError);
  assert.throws(() => fitArima(new Array(50).fill(3), { order: [1, 0, 0] }), ForecastInputError);
  assert.throws(() => fitArima([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { order: [1, 0, 0], includeDrift: true }), ForecastInputError);
  assert.throws(() => autoArima(new Array(30).fill(1)), ForecastInputError);
  // An explosive series: CSS finds a non-stationary AR part, which R (and we) refuse for CSS-ML.
  const explosive = Array.from({ length: 40 }, (_, i) => 1.3 ** i);
  assert.throws(() => fitArima(explosive, { order: [1, 0, 0] }), (e: unknown) => e instanceof ArimaFitError || e instanceof ForecastInputError);
});

test('the ARIMA forecaster falls back to naive on a constant series and says so', () => {
  const f = makeForecaster('auto-arima');
  const fc = f.forecast(new Array(40).fill(7), 3);
  assert.deepEqual(fc.mean, [7, 7, 7]);
  assert.match(fc.model, /fallback/);
  assert.ok(fc.se.every(Number.isFinite));
});

test('baselines: naive repeats the last value, EWMA is flat, Holt follows a trend', () => {
  assert.deepEqual(naiveForecast([1, 2, 3], 2).mean, [3, 3]);
  const e = ewmaForecast([5, 5, 5, 6, 5, 5], 3);
  assert.equal(e.mean[0], e.mean[2]);
  const line = Array.from({ length: 30 }, (_, i) => 2 * i + 1);
  const hf = holtForecast(line, 3);
  hf.mean.forEach((v, i) => assert.ok(Math.abs(v - (2 * (30 + i) + 1)) < 1e-6, String(v)));
  assert.throws(() => ewmaForecast([1], 2), ForecastInputError);
});

test('KPSS p-value interpolates the table and clamps at its ends', () => {
  assert.equal(kpssPValue(0.1), 0.1);
  assert.equal(kpssPValue(5), 0.01);
  assert.ok(Math.abs(kpssPValue(0.463) - 0.05) < 1e-12);
});

test('rolling forecaster: warm-up naive, then ARIMA with periodic refits only', () => {
  const x = ar1Series(150, 11);
  const r = new RollingForecaster({ refitEvery: 20, minHistory: 40 });
  const models: string[] = [];
  for (const v of x) {
    r.observe(v);
    const fc = r.forecast(2);
    assert.ok(fc.mean.every(Number.isFinite));
    models.push(fc.model);
  }
  assert.equal(models[0], 'naive (warm-up)');
  assert.match(models[models.length - 1]!, /^ARIMA/);
  // 111 forecasts after warm-up with a refit every 20 observations: at most 7 full refits.
  assert.ok(r.refitCount >= 5 && r.refitCount <= 7, String(r.refitCount));
});

test('exact CSS gradient agrees with central differences', async () => {
  const { cssValueAndGradient } = await import('./state-space.ts');
  const x = ar1Series(120, 5);
  const w = new Float64Array(x.length);
  for (let l = 1; l < x.length; l++) w[l] = x[l]! - x[l - 1]!;
  const z = new Float64Array(x.length).fill(1);
  z[0] = 0;
  const par = [0.3, -0.2, 0.4, 0.05]; // ar1, ar2, ma1, drift
  const f = (v: number[]): number => {
    const ww = Float64Array.from(w, (val, i) => val - v[3]! * z[i]!);
    return cssValueAndGradient(ww, v.slice(0, 2), v.slice(2, 3), 3, z, new Float64Array(4), new Float64Array(5 * x.length));
  };
  const g = new Float64Array(4);
  const ww = Float64Array.from(w, (val, i) => val - par[3]! * z[i]!);
  cssValueAndGradient(ww, par.slice(0, 2), par.slice(2, 3), 3, z, g, new Float64Array(5 * x.length));
  for (let i = 0; i < 4; i++) {
    const hi = [...par];
    const lo = [...par];
    hi[i]! += 1e-6;
    lo[i]! -= 1e-6;
    const num = (f(hi) - f(lo)) / 2e-6;
    assert.ok(Math.abs(num - g[i]!) < 1e-6 * Math.max(1, Math.abs(num)), `param ${i}: ${g[i]} vs ${num}`);
  }
});

test('forecast bank keeps one rolling forecaster per key', async () => {
  const { ForecastBank } = await import('./forecast-bank.ts');
  const bank = new ForecastBank({ kind: 'auto-arima', minHistory: 40, refitEvery: 25 });
  const x = ar1Series(80, 9);
  x.forEach((v, i) => {
    bank.observe('node/n1/gpuMilli', v);
    bank.observe('tenant/t1/demand', 100 + (i % 5));
  });
  assert.deepEqual(bank.keys(), ['node/n1/gpuMilli', 'tenant/t1/demand']);
  const f = bank.forecast('node/n1/gpuMilli', 3);
  assert.match(f.model, /^ARIMA/);
  assert.equal(f.mean.length, 3);
  assert.throws(() => bank.forecast('node/missing/gpuMilli', 1), ForecastInputError);
  const naive = new ForecastBank();
  naive.observe('k', 3);
  naive.observe('k', 5);
  assert.deepEqual(naive.forecast('k', 2).mean, [5, 5]);
});

test('an explosive CSS fit forecast far ahead is a typed error, and the forecaster falls back to naive', () => {
  const explosive = Array.from({ length: 60 }, (_, i) => 1.3 ** i + Math.sin(i));
  const fit = fitArima(explosive, { order: [1, 0, 0], method: 'CSS' });
  assert.ok(fit.coef.ar1! > 1);
  assert.throws(() => forecastArima(fit, 5000), ArimaFitError);
  const f = makeForecaster('arima', { order: [1, 1, 0] }).forecast(explosive, 5);
  assert.match(f.model, /fallback/);
  assert.ok(f.mean.every(Number.isFinite) && f.se.every(Number.isFinite));
});
