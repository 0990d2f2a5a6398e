import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniformCluster } from '../../sim/cluster-spec.ts';
import { parseFailures } from './sim.ts';

test('--node-failures parses NODE@START_H+DOWN_H lists and names what is wrong', () => {
  const c = uniformCluster(4, 8);
  assert.deepEqual(parseFailures('n01@1.5+2,n03@0+0.25', c), [
    { nodeId: 'n01', atMs: 5_400_000, downMs: 7_200_000 },
    { nodeId: 'n03', atMs: 0, downMs: 900_000 },
  ]);
  assert.deepEqual(parseFailures(undefined, c), []);
  assert.throws(() => parseFailures('n09@1+1', c), /unknown node 'n09'/);
  assert.throws(() => parseFailures('n01@-1+1', c), /expected NODE@START_H\+DOWN_H/);
});
