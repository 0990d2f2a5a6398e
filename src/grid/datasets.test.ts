import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/util/errors.ts';
import { openDataset, publishDataset, deleteDataset, listDatasets } from './datasets.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { GridFormatError, GridNotFoundError } from './errors.ts';
import { Grid } from './grid.ts';
import { tensor } from './tensor.ts';

const ns = () => new Grid(new EmbeddedStore()).namespace('acme');

test('publishDataset rejects bad input with InvalidInputError', async () => {
  const n = ns();
  const x = tensor(new Float32Array(6), [3, 2]);
  const cases: [string, Parameters<typeof publishDataset>[1]][] = [
    ['bad name', { name: 'has space', version: 'v1', columns: { x } }],
    ['reserved version', { name: 'd', version: 'latest', columns: { x } }],
    ['no columns', { name: 'd', version: 'v1', columns: {} }],
    ['column lengths differ', { name: 'd', version: 'v1', columns: { x, y: tensor(new Uint8Array(2), [2]) } }],
    ['shape does not match data', { name: 'd', version: 'v1', columns: { x: { dtype: 'float32', shape: [4, 2], data: new Float32Array(6) } } }],
    ['dtype does not match data', { name: 'd', version: 'v1', columns: { x: { dtype: 'uint8', shape: [3, 2], data: new Float32Array(6) } } }],
    ['bad shardItems', { name: 'd', version: 'v1', columns: { x }, shardItems: 0 }],
  ];
  for (const [what, input] of cases) await assert.rejects(publishDataset(n, input), InvalidInputError, what);
  assert.deepEqual(await n.list(), [], 'nothing was written');
});

test('a version is readable only once its manifest exists; deleting removes every key and the pointer', async () => {
  const n = ns();
  // Default shard size: 4 MiB / 8 bytes per item → one shard for 1000 items.
  const m = await publishDataset(n, { name: 'd', version: 'v1', columns: { x: tensor(new Float32Array(2000).fill(0.5), [1000, 2]) } });
  assert.equal(m.shards.length, 1);
  await n.delete('ds/d/v1/manifest');
  await assert.rejects(openDataset(n, 'd', 'v1'), (e: unknown) => e instanceof GridNotFoundError && e.kind === 'dataset version');
  await publishDataset(n, { name: 'd', version: 'v2', columns: { x: tensor(new Float32Array(2).fill(1), [1, 2]) } });
  assert.equal((await openDataset(n, 'd')).version, 'v2');
  assert.equal(await deleteDataset(n, 'd', 'v2'), true);
  await assert.rejects(openDataset(n, 'd'), (e: unknown) => e instanceof GridNotFoundError && e.kind === 'dataset');
  assert.deepEqual(await listDatasets(n), []);
});

test('a garbled manifest is a GridFormatError, not a crash', async () => {
  const n = ns();
  await publishDataset(n, { name: 'd', version: 'v1', columns: { x: tensor(new Uint8Array(4), [4]) } });
  await n.set('ds/d/v1/manifest', Buffer.from('no checksum line'));
  await assert.rejects(openDataset(n, 'd', 'v1'), GridFormatError);
  await n.set('ds/d/v1/manifest', Buffer.from('crc32:00000000\n{"format":1}'));
  await assert.rejects(openDataset(n, 'd', 'v1'), (e: unknown) => (e as { code?: string }).code === 'grid_checksum_mismatch');
});

test('an empty dataset publishes one empty shard and reads back zero items', async () => {
  const n = ns();
  const m = await publishDataset(n, { name: 'e', version: 'v1', columns: { x: tensor(new Float32Array(0), [0, 3]) } });
  assert.equal(m.items, 0);
  let items = 0;
  for await (const s of (await openDataset(n, 'e')).shards()) items += s.items;
  assert.equal(items, 0);
});
