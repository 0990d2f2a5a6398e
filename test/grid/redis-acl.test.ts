// Tenant isolation enforced by Redis itself: a job connected as its tenant's ACL user (the direct data path) cannot
// read, list, overwrite or delete another tenant's keys even with raw commands, nor run keyspace-wide or admin
// commands; through the grid it reads the shared datasets and works in its own namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridStoreRefusedError } from '../../src/grid/errors.ts';
import { openDataset, publishDataset } from '../../src/grid/datasets.ts';
import { saveCheckpoint, loadCheckpoint } from '../../src/grid/checkpoints.ts';
import { SHARED_NAMESPACE } from '../../src/grid/port.ts';
import { tensor } from '../../src/grid/tensor.ts';
import { redisUnavailableReason, startRedisServers, type RedisServers } from './redis-servers.ts';

const unavailable = redisUnavailableReason();
let servers: RedisServers | undefined;

describe('grid on Redis: per-tenant ACL users', { skip: unavailable }, () => {
  before(async () => {
    servers = await startRedisServers({ cluster: false, own: true });
  });
  after(async () => {
    await servers?.stop();
  });

  test('a tenant user reaches its own keys and the shared datasets, and nothing else', async () => {
    const admin = new Grid(await RedisStore.connect(servers!.standaloneUrl));
    const port = servers!.standalone.port;
    let job: Grid | undefined;
    const raw = new Redis({ port, host: '127.0.0.1', username: 'fw-acme', password: 'acme-secret', lazyConnect: true });
    try {
      await publishDataset(admin.sharedWriter(), { name: 'toy', version: 'v1', columns: { x: tensor(new Float32Array([1, 2, 3, 4]), [4]) } });
      await admin.namespace('other').set('secret', Buffer.from('other-data'));
      const user = await (admin.store as RedisStore).provisionTenantUser('acme', 'acme-secret');
      assert.equal(user, 'fw-acme');

      job = new Grid(await RedisStore.connect(`redis://fw-acme:acme-secret@127.0.0.1:${port}`, { readOnlyNamespaces: [SHARED_NAMESPACE], maxAttempts: 1 }));
      const ds = await openDataset(job.sharedReader(), 'toy');
      assert.deepEqual([...(await ds.readShard(0)).columns.x!.data], [1, 2, 3, 4]);
      const mine = job.namespace('acme');
      await saveCheckpoint(mine, 'j', { step: 1, tensors: { w: tensor(new Float32Array([5]), [1]) } }, { nowMs: 1 });
      assert.equal((await loadCheckpoint(mine, 'j')).step, 1);

      // Through the grid library, naming another tenant or writing the shared namespace is refused by Redis.
      await assert.rejects(job.namespace('other').get('secret'), GridStoreRefusedError);
      await assert.rejects(job.namespace('other').list(), GridStoreRefusedError);
      await assert.rejects(job.namespace('other').set('secret', Buffer.from('x')), GridStoreRefusedError);
      await assert.rejects(job.sharedWriter().set('ds/toy/latest', Buffer.from('v9')), GridStoreRefusedError);

      // With raw commands too.
      await raw.connect();
      for (const attempt of [
        () => raw.get('fw:{other}:v:secret'), () => raw.hkeys('fw:{other}:sz'), () => raw.set('fw:{other}:v:secret', 'x'),
        () => raw.del('fw:{other}:v:secret'), () => raw.keys('*'), () => raw.flushall(), () => raw.call('CONFIG', 'SET', 'maxmemory', '1'),
        () => raw.set('fw:{_shared}:v:ds/toy/latest', 'v9'),
        () => raw.eval("return redis.call('GET', 'fw:{other}:v:secret')", 1, 'fw:{acme}:x'),
      ]) {
        await assert.rejects(attempt(), /NOPERM|ERR The user executing the script can't access/);
      }
      assert.deepEqual(await admin.namespace('other').get('secret'), Buffer.from('other-data'));
      assert.equal((await openDataset(admin.sharedReader(), 'toy')).version, 'v1');
    } finally {
      raw.disconnect();
      await job?.close();
      await admin.close();
    }
  });
});
