import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit } from './map-limit.ts';

test('mapLimit keeps order, bounds concurrency and stops launching after a failure', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return x * 10;
  });
  assert.deepEqual(out, [10, 20, 30, 40, 50, 60, 70]);
  assert.equal(peak, 3);

  const started: number[] = [];
  await assert.rejects(mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
    started.push(x);
    await new Promise((r) => setImmediate(r));
    if (x === 1) throw new Error('boom');
    return x;
  }), /boom/);
  // Items 0 and 1 ran together; 1 failed, so at most the item already picked up by the other worker (2) started.
  assert.deepEqual(started, [0, 1, 2]);
  assert.equal(inFlight, 0);
});
