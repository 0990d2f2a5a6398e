import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/util/errors.ts';
import { deleteCheckpoints, latestCheckpointVersion, listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoints.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { Grid } from './grid.ts';
import { tensor } from './tensor.ts';

const ns = () => new Grid(new EmbeddedStore()).namespace('acme');
const w = () => ({ w: tensor(new Float32Array([1, 2, 3]), [3]) });

test('saveCheckpoint rejects bad input before writing anything', async () => {
  const n = ns();
  await assert.rejects(saveCheckpoint(n, 'bad id!', { step: 1, tensors: w() }, { nowMs: 0 }), InvalidInputError);
  await assert.rejects(saveCheckpoint(n, 'j', { step: -1, tensors: w() }, { nowMs: 0 }), InvalidInputError);
  await assert.rejects(saveCheckpoint(n, 'j', { step: 1, tensors: w() }, { nowMs: 0, chunkBytes: 4 }), InvalidInputError);
  await assert.rejects(saveCheckpoint(n, 'j', { step: 1, tensors: { w: { dtype: 'float32', shape: [4], data: new Float32Array(3) } } }, { nowMs: 0 }), InvalidInputError);
  assert.deepEqual(await n.list(), []);
});

test('stray chunks of an uncommitted version are skipped over and cleaned up by the next save', async () => {
  const n = ns();
  await saveCheckpoint(n, 'j', { step: 1, tensors: w() }, { nowMs: 1 });
  // A crashed writer left chunks of version 2 but no manifest: version 2 is not a checkpoint.
  await n.set('ckpt/j/000000002/chunk/000000', Buffer.from('partial'));
  assert.deepEqual(await listCheckpoints(n, 'j'), [1]);
  assert.equal((await loadCheckpoint(n, 'j')).step, 1);
  const m = await saveCheckpoint(n, 'j', { step: 5, tensors: w(), state: { rng: 'abc' } }, { nowMs: 2 });
  assert.equal(m.version, 3);
  assert.equal(await latestCheckpointVersion(n, 'j'), 3);
  assert.deepEqual((await n.list('ckpt/j/')).filter((k) => !k.startsWith('ckpt/j/000000003/')), ['ckpt/j/latest']);
  assert.equal(await deleteCheckpoints(n, 'j'), 2);
  assert.equal(await latestCheckpointVersion(n, 'j'), undefined);
});

test('an empty checkpoint (state only) round-trips', async () => {
  const n = ns();
  await saveCheckpoint(n, 'j', { step: 0, tensors: {}, state: { note: 'nothing yet' } }, { nowMs: 0 });
  const c = await loadCheckpoint(n, 'j');
  assert.deepEqual(c.state, { note: 'nothing yet' });
  assert.deepEqual(c.tensors, {});
});
