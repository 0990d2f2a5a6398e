import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GOLDEN_POLICIES, goldenLog, goldenLogPath } from './golden-runs.ts';

for (const policy of GOLDEN_POLICIES) {
  test(`golden decision log: philly-mini under ${policy}`, async () => {
    const expected = readFileSync(goldenLogPath(policy), 'utf8');
    const actual = await goldenLog(policy);
    assert.ok(expected.length > 0);
    // On a deliberate behaviour change: `node --import tsx test/golden/regenerate.ts`, then review the diff.
    assert.equal(actual, expected, `decision log of ${policy} differs from test/golden (regenerate only on purpose)`);
  });
}
