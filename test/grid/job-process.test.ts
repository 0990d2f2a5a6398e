// The data path for job processes (docs/grid.md): a real child process reaches the grid directly over Redis, reads
// the shared shards the coordinator loaded once, and checkpoints into its own tenant's partition; a second run of
// the job resumes from that checkpoint. Nothing is copied through the parent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadFashionMnist } from '../../src/data/fashion-mnist.ts';
import { loadFashionMnistIntoGrid } from '../../src/grid/fashion-mnist-dataset.ts';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { repoRoot } from '../../src/paths.ts';
import { redisUnavailableReason, startRedisServers, type RedisServers } from './redis-servers.ts';

const unavailable = redisUnavailableReason();
let servers: RedisServers | undefined;

function runJob(url: string, tenant: string, keyHex: string, jobId: string): { version: string; items: number; counts: number[]; step: number; resumedFrom: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/grid/fixtures/grid-job.ts', jobId], {
    cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, FAIRWAY_GRID: url, FAIRWAY_TENANT: tenant, FAIRWAY_GRID_KEY: keyHex },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('job processes read shared shards and checkpoint through Redis', { skip: unavailable }, () => {
  before(async () => {
    servers = await startRedisServers({ cluster: false, own: true });
  });
  after(async () => {
    await servers?.stop();
  });

  test('two runs of a job in separate processes: same shards, checkpoint, resume; encrypted and isolated', async () => {
    const url = servers!.standaloneUrl;
    const grid = new Grid(await RedisStore.connect(url));
    try {
      const m = await loadFashionMnistIntoGrid(grid.sharedWriter(), { split: 't10k', preferFull: false });
      const key = randomBytes(32).toString('hex');
      const first = runJob(url, 'acme', key, 'job-1');
      const raw = loadFashionMnist('t10k', { preferFull: false });
      const want = new Array<number>(10).fill(0);
      for (const l of raw.labels) want[l]!++;
      assert.equal(first.version, m.version);
      assert.equal(first.items, 2000);
      assert.deepEqual(first.counts, want);
      assert.equal(first.resumedFrom, null);
      const second = runJob(url, 'acme', key, 'job-1');
      assert.equal(second.resumedFrom, 1);
      assert.equal(second.step, 2);

      // The checkpoint is in acme's partition only, and Redis holds ciphertext (the key never left the job's env).
      assert.deepEqual(await grid.namespace('acme').list('ckpt/job-1/'), ['ckpt/job-1/000000002/chunk/000000', 'ckpt/job-1/000000002/manifest', 'ckpt/job-1/latest']);
      assert.deepEqual(await grid.namespace('other').list(), []);
      const manifestBytes = await grid.store.get('acme', 'ckpt/job-1/000000002/manifest');
      assert.equal(manifestBytes?.includes(Buffer.from('"jobId"')), false, 'manifest stored encrypted');
      // Another tenant's job with its own key sees no checkpoint of acme's job-1.
      const intruder = runJob(url, 'other', randomBytes(32).toString('hex'), 'job-1');
      assert.equal(intruder.resumedFrom, null);
    } finally {
      await grid.close();
    }
  });
});
