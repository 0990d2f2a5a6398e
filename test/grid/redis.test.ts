// The grid conformance suite against real Redis: one standalone server and a local 3-master Cluster, started here
// and stopped after. Without redis-server the Redis cases are skipped locally and FAIL in CI (CI=true).
import { after, before, describe } from 'node:test';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { runGridConformance } from './conformance.ts';
import { redisUnavailableReason, startRedisServers, type RedisServers } from './redis-servers.ts';

const unavailable = redisUnavailableReason();
let servers: RedisServers | undefined;

describe('grid on Redis', { skip: unavailable }, () => {
  before(async () => {
    servers = await startRedisServers({ cluster: true });
  });
  after(async () => {
    await servers?.stop();
  });
  describe('standalone', () => {
    runGridConformance('redis', async (limits) => RedisStore.connect(servers!.standaloneUrl, limits), { propertyRuns: 25 });
  });
  describe('cluster', () => {
    runGridConformance('redis-cluster', async (limits) => RedisStore.connect(servers!.clusterUrl, limits), { propertyRuns: 15 });
  });
});
