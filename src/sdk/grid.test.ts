import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../core/util/errors.ts';
import { EmbeddedStore } from '../grid/embedded-store.ts';
import { Grid } from '../grid/grid.ts';
import { publishDataset } from '../grid/datasets.ts';
import { connectJobGrid, tensor } from './grid.ts';

test('a job reads a shared dataset and saves/restores its checkpoint through the SDK', async () => {
  const grid = new Grid(new EmbeddedStore());
  await publishDataset(grid.sharedWriter(), { name: 'toy', version: 'v1', columns: { x: tensor(new Float32Array([1, 2, 3, 4]), [2, 2]) } });
  const job = await connectJobGrid({ grid, tenantId: 'acme', encryptionKeyHex: randomBytes(32).toString('hex') });
  const ds = await job.dataset('toy');
  assert.equal(ds.items, 2);
  assert.equal(await job.restoreCheckpoint('job-7'), undefined);
  await job.saveCheckpoint('job-7', { step: 3, tensors: { w: tensor(new Float32Array([0.5, -1]), [2]) }, state: { epoch: 1 } }, 1000);
  const c = await job.restoreCheckpoint('job-7');
  assert.equal(c?.step, 3);
  assert.deepEqual([...(c?.tensors.w?.data ?? [])], [0.5, -1]);
  // The checkpoint lives in the job's tenant partition, encrypted there.
  assert.deepEqual(await grid.namespace('acme').list('ckpt/job-7/'), ['ckpt/job-7/000000001/chunk/000000', 'ckpt/job-7/000000001/manifest', 'ckpt/job-7/latest']);
  assert.equal((await grid.store.get('acme', 'ckpt/job-7/000000001/chunk/000000'))?.length, 8 + 28);
  await job.close();
  await assert.rejects(connectJobGrid({ grid, tenantId: 'acme', encryptionKeyHex: 'xyz' }), InvalidInputError);
  await assert.rejects(connectJobGrid({ grid, tenantId: '' }), InvalidInputError);
});
