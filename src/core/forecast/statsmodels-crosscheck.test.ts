// Independent oracles beside R: gretl's exact-ML ARMA results and R's CSS results on CPI, as published in
// statsmodels' test suite (../shared/fixtures/arima/statsmodels, see its NOTE.md), with this machine's R re-fit of
// the same models (crosscheck_r_vs_published.json). Our ML reproduces R's default optimiser, so coefficients are
// compared with R's default result; logliks with gretl; forecasts with gretl widened by R's own default-vs-optimum gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../paths.ts';
import { fitArima, forecastArima, type ArimaOrder } from './arima.ts';

const dir = sharedPath('fixtures', 'arima', 'statsmodels');
const read = (f: string): string => readFileSync(`${dir}/${f}`, 'utf8');

function csv(file: string): (col: string) => number[] {
  const rows = read(file).trim().split('\n');
  const head = rows[0]!.split(',').map((c) => c.replace(/"/g, ''));
  return (col) => {
    const i = head.indexOf(col);
    assert.ok(i >= 0, `column ${col} in ${file}`);
    return rows.slice(1).map((r) => Number(r.split(',')[i]));
  };
}

interface GretlModel {
  order: ArimaOrder;
  include_mean: boolean;
  series_column: string;
  mle: { llf: number; sigma2: number; forecast_columns?: { mean: string; se: string; h: number } };
}
interface RFit {
  coef: Record<string, number>;
  loglik: number;
  sigma2: number;
}

const published = JSON.parse(read('published_values.json')) as { gretl_arma: { models: Record<string, GretlModel> } };
const cross = JSON.parse(read('crosscheck_r_vs_published.json')) as {
  gretl_arma: Record<string, { mle: { r_default: RFit; r_tight: RFit } }>;
  r_cpi_css: Record<string, RFit & { se: Record<string, number> }>;
};
const yArma = csv('y_arma_data.csv');
const forecasts = csv('results_arma_forecasts.csv');

for (const [name, m] of Object.entries(published.gretl_arma.models)) {
  test(`gretl exact ML ${name} ARMA(${m.order[0]},${m.order[2]})${m.include_mean ? ' + mean' : ''}`, () => {
    const fit = fitArima(yArma(m.series_column), { order: m.order, includeMean: m.include_mean, method: 'ML' });
    const { r_default: rd, r_tight: rt } = cross.gretl_arma[name]!.mle;
    let gap = 0;
    for (const k of Object.keys(rt.coef)) gap = Math.max(gap, Math.abs(rd.coef[k]! - rt.coef[k]!));
    for (const k of Object.keys(rd.coef)) assert.ok(Math.abs(fit.coef[k]! - rd.coef[k]!) < 1e-5, `${k}: ${fit.coef[k]} vs R ${rd.coef[k]}`);
    // gretl sits at the optimum; R's default stop (and ours) may be slightly below it.
    assert.ok(Math.abs(fit.loglik - m.mle.llf) < Math.max(1e-6, 10 * Math.abs(rd.loglik - rt.loglik)), `loglik ${fit.loglik} vs gretl ${m.mle.llf}`);
    if (m.mle.forecast_columns) {
      const fc = forecastArima(fit, m.mle.forecast_columns.h);
      const mean = forecasts(m.mle.forecast_columns.mean);
      const se = forecasts(m.mle.forecast_columns.se);
      const tol = Math.max(1e-4, 10 * gap);
      fc.mean.forEach((v, i) => assert.ok(Math.abs(v - mean[i]!) < tol, `mean[${i}] ${v} vs ${mean[i]}`));
      fc.se.forEach((v, i) => assert.ok(Math.abs(v - se[i]!) < tol, `se[${i}] ${v} vs ${se[i]}`));
    }
  });
}

const macro = csv('macrodata.csv');
const cpi = macro('cpi');
const dcpi = cpi.slice(1).map((v, i) => v - cpi[i]!);

test('R CSS on diff(cpi), ARMA(1,1) + mean: coefficients, sigma2 and Hessian standard errors', () => {
  const ref = cross.r_cpi_css.cpi_arima111_css!;
  const fit = fitArima(dcpi, { order: [1, 0, 1], method: 'CSS', computeVariance: true });
  for (const k of Object.keys(ref.coef)) assert.ok(Math.abs(fit.coef[k]! - ref.coef[k]!) < 1e-6, k);
  assert.ok(Math.abs(fit.sigma2 / ref.sigma2 - 1) < 1e-7);
  fit.coefNames.forEach((k, i) => {
    const se = Math.sqrt(fit.varCoef![i]![i]!);
    assert.ok(Math.abs(se / ref.se[k]! - 1) < 1e-4, `se ${k}: ${se} vs ${ref.se[k]}`);
  });
});

test('R CSS on diff(cpi), ARMA(1,2) + mean from R\'s init', () => {
  const ref = cross.r_cpi_css.cpi_arima112_css!;
  const fit = fitArima(dcpi, { order: [1, 0, 2], method: 'CSS', init: { ar1: -0.692425, ma1: 1.07366, ma2: 0.172024, intercept: 0.905322 } });
  for (const k of Object.keys(ref.coef)) assert.ok(Math.abs(fit.coef[k]! - ref.coef[k]!) < 1e-5, `${k}: ${fit.coef[k]} vs ${ref.coef[k]}`);
  assert.ok(Math.abs(fit.loglik - ref.loglik) < 1e-6);
});
