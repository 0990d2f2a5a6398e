import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, sharedPath } from '../../paths.ts';
import { ForecastInputError } from '../../core/forecast/errors.ts';
import { readSeries, runForecast } from './forecast.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-forecast-cli-'));

test('fairway forecast --json on an R fixture prints R-named coefficients and R forecasts', () => {
  const fixture = sharedPath('fixtures', 'arima', 'nile_arma11_ml.json');
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'fairway.js'), 'forecast', '--input', fixture, '--order', '1,0,1', '--method', 'ml', '--horizon', '10', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { coef: Record<string, number>; forecast: { mean: number[]; se: number[] }; aicc: number };
  const f = JSON.parse(readFileSync(fixture, 'utf8')) as { coef: Record<string, number>; forecast: { mean: number[] }; aicc: number };
  assert.deepEqual(Object.keys(out.coef), ['ar1', 'ma1', 'intercept']);
  assert.ok(Math.abs(out.coef.ar1! - f.coef.ar1!) < 1e-3);
  assert.ok(Math.abs(out.aicc - f.aicc) < 1e-3);
  out.forecast.mean.forEach((m, i) => assert.ok(Math.abs(m - f.forecast.mean[i]!) < 0.2));
});

test('fairway forecast exits 2 with a typed message on a series too short for the order', () => {
  const file = join(dir, 'short.csv');
  writeFileSync(file, 'value\n1\n2\n3\n');
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'fairway.js'), 'forecast', '--input', file, '--order', '2,1,2', '--horizon', '3'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /too short.*\[forecast_input\]/);
});

test('readSeries reads CSV with a header, JSON arrays and fixture objects; rejects NaN/Infinity', () => {
  const csv = join(dir, 'a.csv');
  writeFileSync(csv, 'load\n1.5\n2\n3\n');
  assert.deepEqual(readSeries(csv), [1.5, 2, 3]);
  const js = join(dir, 'a.json');
  writeFileSync(js, JSON.stringify({ series: [4, 5, 6], name: 'x' }));
  assert.deepEqual(readSeries(js), [4, 5, 6]);
  writeFileSync(js, '[7, 8]');
  assert.deepEqual(readSeries(js), [7, 8]);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, '1\nInfinity\n3\n');
  assert.throws(() => readSeries(bad), ForecastInputError);
  writeFileSync(bad, '1\nNaN\n3\n');
  assert.throws(() => readSeries(bad), ForecastInputError);
  writeFileSync(js, '{"series": [1, "x"]}');
  assert.throws(() => readSeries(js), ForecastInputError);
});

test('runForecast: constant series and bad options are typed errors, drift is reported by name', () => {
  assert.throws(() => runForecast(new Array(30).fill(2), { method: 'css-ml', horizon: '3', order: '1,0,0' }), ForecastInputError);
  assert.throws(() => runForecast([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { method: 'css-ml', horizon: '0', order: '1,0,0' }), ForecastInputError);
  assert.throws(() => runForecast([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { method: 'css-ml', horizon: '2', order: '1,x,0' }), ForecastInputError);
  const f = JSON.parse(readFileSync(sharedPath('fixtures', 'arima', 'logairpass_arima011_drift_cssml.json'), 'utf8')) as { series: number[]; coef: Record<string, number> };
  const r = runForecast(f.series, { method: 'css-ml', horizon: '2', order: '0,1,1', drift: true });
  assert.deepEqual(Object.keys(r.coef), ['ma1', 'drift']);
  assert.ok(Math.abs(r.coef.drift! - f.coef.drift!) < 2e-4);
  assert.ok(r.forecast.mean.every(Number.isFinite));
});
