// Faults on the Redis adapter against a real server: losing the connection gives bounded retries and then a clear
// GridUnavailableError; a write that failed is never reported saved; the store recovers when the server is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridNotFoundError, GridStoreRefusedError, GridUnavailableError } from '../../src/grid/errors.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/grid/checkpoints.ts';
import { tensor } from '../../src/grid/tensor.ts';
import { redisUnavailableReason, startRedisServers, type RedisServers } from './redis-servers.ts';

const unavailable = redisUnavailableReason();
let servers: RedisServers | undefined;

describe('grid on Redis: connection loss', { skip: unavailable }, () => {
  before(async () => {
    servers = await startRedisServers({ cluster: false, own: true });
  });
  after(async () => {
    await servers?.stop();
  });

  test('a write Redis refuses (out of memory under maxmemory) is a typed error and leaves nothing behind', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(servers!.standaloneUrl);
    const grid = new Grid(await RedisStore.connect(servers!.standaloneUrl, { maxAttempts: 2, retryBaseMs: 10 }));
    try {
      const ns = grid.namespace('oom');
      await ns.set('small', Buffer.alloc(10, 1));
      const usedMemory = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
      await admin.config('SET', 'maxmemory', String(usedMemory + 512 * 1024));
      await assert.rejects(ns.set('big', Buffer.alloc(2 * 1024 * 1024, 2)), (err: unknown) => {
        assert.ok(err instanceof GridStoreRefusedError, String(err));
        assert.equal(err.code, 'grid_store_refused');
        assert.match(err.message, /OOM/);
        return true;
      });
      await admin.config('SET', 'maxmemory', '0');
      assert.equal(await ns.has('big'), false);
      assert.deepEqual(await ns.list(), ['small']);
      assert.equal((await ns.stats()).usedBytes, 10);
      assert.deepEqual(await admin.keys('*stage*'), []);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      await grid.close();
    }
  });

  test('retries with backoff, then GridUnavailableError; a failed save is not reported saved; recovers after restart', async () => {
    const grid = new Grid(await RedisStore.connect(servers!.standaloneUrl, { maxAttempts: 3, retryBaseMs: 20, reconnectMaxMs: 100 }));
    try {
      const ns = grid.namespace('faulty');
      await ns.set('k', Buffer.from('v'));
      await saveCheckpoint(ns, 'job', { step: 1, tensors: { w: tensor(new Float32Array([1, 2]), [2]) } }, { nowMs: 1 });

      servers!.standalone.process!.kill('SIGKILL');
      await new Promise((r) => servers!.standalone.process!.once('exit', r));
      await assert.rejects(ns.get('k'), (err: unknown) => {
        assert.ok(err instanceof GridUnavailableError, String(err));
        assert.equal(err.code, 'grid_unavailable');
        assert.equal(err.attempts, 3);
        assert.match(err.message, /get failed after 3 attempt/);
        return true;
      });
      await assert.rejects(
        saveCheckpoint(ns, 'job', { step: 2, tensors: { w: tensor(new Float32Array([3, 4]), [2]) } }, { nowMs: 2 }),
        GridUnavailableError,
      );

      // The server comes back empty (no persistence in tests): the client reconnects by itself, and the step-2 save
      // that was refused is not there.
      await servers!.restartStandalone();
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        try {
          await ns.set('after', Buffer.from('ok'));
          recovered = true;
        } catch (err) {
          assert.ok(err instanceof GridUnavailableError, String(err));
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(recovered, true, 'store reconnected after the server restarted');
      assert.deepEqual(await ns.get('after'), Buffer.from('ok'));
      await assert.rejects(loadCheckpoint(ns, 'job'), GridNotFoundError);
    } finally {
      await grid.close();
    }
  });

  test('connecting to a server that is not there fails with GridUnavailableError, bounded', async () => {
    await assert.rejects(RedisStore.connect('redis://127.0.0.1:1', { maxAttempts: 2, retryBaseMs: 10, connectTimeoutMs: 500 }), GridUnavailableError);
  });
});
