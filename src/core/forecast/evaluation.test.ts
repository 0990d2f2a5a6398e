import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurablyBeats, pairedT, rollingOrigin, scaledErrors, type MethodScore } from './evaluation.ts';
import { makeForecaster } from './forecaster.ts';

test('MASE of the naive forecast on a random-walk-like window is the ratio of MAEs', () => {
  // train diffs: |2-1|, |4-2| -> scale 1.5; errors |5-4|, |7-4| -> MAE 2 -> MASE 4/3.
  const s = scaledErrors([1, 2, 4], [5, 7], [4, 4]);
  assert.ok(Math.abs(s.mase - 4 / 3) < 1e-12);
  assert.deepEqual(s.ape.map((v) => Math.round(v)), [20, 43]);
  assert.deepEqual(scaledErrors([1, 2], [0], [0]).ape, []);
});

test('rolling origin: Holt beats naive on a straight line', () => {
  const line = Array.from({ length: 120 }, (_, i) => 3 * i + 10);
  const [naive, holt] = rollingOrigin(line, [makeForecaster('naive'), makeForecaster('holt')], { window: 40, horizon: 5, step: 10 });
  assert.ok(holt!.mase < 1e-6, String(holt!.mase));
  assert.ok(Math.abs(naive!.mase - 3) < 1e-9, String(naive!.mase)); // errors 3,6,..,15 -> MAE 9, scale 3
});

test('measurablyBeats needs both a gain and a consistent paired difference', () => {
  const mk = (per: number[]): MethodScore => ({ method: 'x', mase: per.reduce((a, b) => a + b, 0) / per.length, mape: 0, perOrigin: per, models: {} });
  assert.equal(measurablyBeats(mk([0.5, 0.6, 0.55, 0.52]), mk([1, 1.1, 0.9, 1])), true);
  assert.equal(measurablyBeats(mk([0.1, 2, 0.1, 2]), mk([1, 1.1, 1, 1.1])), false);
  assert.ok(pairedT([1, 2, 3], [1, 2, 3]) === 0);
});

test('chooseDefault picks the best method that measurably beats naive, else naive', async () => {
  const { chooseDefault } = await import('./evaluation.ts');
  const mk = (method: string, per: number[]): MethodScore => ({ method, mase: per.reduce((a, b) => a + b, 0) / per.length, mape: 0, perOrigin: per, models: {} });
  const naive = mk('naive', [1, 1.1, 0.9, 1, 1.05]);
  assert.equal(chooseDefault([naive, mk('ewma', [0.8, 0.9, 0.7, 0.8, 0.85]), mk('auto-arima', [0.7, 0.8, 0.6, 0.7, 0.75])]), 'auto-arima');
  assert.equal(chooseDefault([naive, mk('auto-arima', [0.2, 2, 0.2, 2, 0.2])]), 'naive');
});
