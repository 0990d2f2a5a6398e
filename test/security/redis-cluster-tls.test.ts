// The grid over a TLS-only Redis Cluster: 3 masters and 3 replicas listening only on TLS ports (cluster bus and
// replication over TLS too), with a certificate made at test time for IP 127.0.0.1 (the address the nodes announce).
// Through Fairway's own code: the coordinator side connects with rediss-cluster:// and the CA, publishes the
// Fashion-MNIST shards and provisions the tenant's Redis ACL user (on every node: ACLs are per server in a cluster);
// a real job process, as that user, reads the shared shards and saves and restores a checkpoint; the user is refused
// another tenant's keys; keys sit on more than one master, a slot moved to another master while connected is
// followed (a MOVED reply over TLS), and after a replica is promoted the job, as the same user, restores from it.
// A client without the CA, with the wrong CA, with a wrong password, or speaking plain redis-cluster:// to the TLS
// ports fails with a typed error within its bounds, not a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadFashionMnistIntoGrid } from '../../src/grid/fashion-mnist-dataset.ts';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridStoreRefusedError, GridTlsRequiredError } from '../../src/grid/errors.ts';
import { InvalidInputError } from '../../src/core/util/errors.ts';
import { SHARED_NAMESPACE } from '../../src/grid/port.ts';
import { latestCheckpointVersion, loadCheckpoint } from '../../src/grid/checkpoints.ts';
import { repoRoot } from '../../src/paths.ts';
import { UntrustedCertificateError } from '../../src/wire/http-transport.ts';
import { redisUnavailableReason } from '../grid/redis-servers.ts';
import { FailoverCluster } from '../faults/redis-cluster.ts';
import { waitFor } from '../faults/harness.ts';
import { makeTestCerts } from './certs.ts';

const JOB_ID = 'tls-cluster-job';

interface JobOutput { version: string; items: number; step: number; resumedFrom: number | null }

function lastJson(stdout: string): JobOutput {
  return JSON.parse(stdout.trim().split('\n').pop()!) as JobOutput;
}

/** MOVED replies a server has sent so far (INFO errorstats counts error replies by their first word). */
function movedReplies(cluster: FailoverCluster, port: number): number {
  return Number(/errorstat_MOVED:count=(\d+)/.exec(cluster.cli(port, 'info', 'errorstats'))?.[1] ?? 0);
}

test('grid over a TLS-only Redis Cluster: rediss-cluster:// with the CA, ACL user on every node, a real job process; untrusted and plain refused', { skip: redisUnavailableReason(), timeout: 120_000 }, async (t) => {
  const certs = makeTestCerts();
  const password = 'acme-cluster-secret-0123456789';
  let cluster: FailoverCluster | undefined;
  let admin: Grid | undefined;
  try {
    // A long node timeout: nothing here fails over, and a slow shared CI box must not make a node look dead.
    cluster = await FailoverCluster.start({ nodeTimeoutMs: 15_000, tls: certs });
    const ca = readFileSync(certs.caCert, 'utf8');
    admin = new Grid(await RedisStore.connect(cluster.url, { tlsCa: ca }));
    const m = await loadFashionMnistIntoGrid(admin.sharedWriter(), { split: 't10k', preferFull: false });
    await admin.namespace('other').set('secret', Buffer.from('other-data'));
    await (admin.store as RedisStore).provisionTenantUser('acme', password);

    const nodes = cluster.nodes();
    for (const n of nodes) {
      const rules = cluster.cli(n.port, 'ACL', 'GETUSER', 'fw-acme');
      assert.match(rules, /fw:\{acme\}/, `ACL user fw-acme on ${n.role} ${n.port}`);
    }

    // A real job process: FAIRWAY_CA names the CA, the URL carries the tenant's ACL user and one seed node (a
    // replica: the client learns the masters from it).
    const seed = nodes.find((n) => n.role === 'slave')!.port;
    const jobUrl = `rediss-cluster://fw-acme:${password}@127.0.0.1:${seed}`;
    const runJob = (caFile: string): SpawnSyncReturns<string> => spawnSync(process.execPath, ['--import', 'tsx', 'test/grid/fixtures/grid-job.ts', JOB_ID], {
      cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, FAIRWAY_GRID: jobUrl, FAIRWAY_TENANT: 'acme', FAIRWAY_CA: caFile, FAIRWAY_GRID_CA: '', FAIRWAY_GRID_KEY: '' },
    });
    const first = runJob(certs.caCert);
    assert.equal(first.status, 0, first.stderr);
    const out1 = lastJson(first.stdout);
    assert.equal(out1.version, m.version);
    assert.equal(out1.items, m.items);
    assert.deepEqual([out1.step, out1.resumedFrom], [1, null]);

    // The tenant user over TLS reaches its own keys and nothing of another tenant. Its slot map is never refreshed
    // unprompted, so only a MOVED reply can tell it that a slot moved (below).
    const job = new Grid(await RedisStore.connect(jobUrl, { tlsCa: ca, readOnlyNamespaces: [SHARED_NAMESPACE], maxAttempts: 1, slotsRefreshIntervalMs: 0 }));
    try {
      await job.namespace('acme').set('mine', Buffer.from('x'));
      assert.equal((await job.namespace('acme').get('mine'))?.toString(), 'x');
      await assert.rejects(job.namespace('other').get('secret'), GridStoreRefusedError);

      // The data spreads over the masters: the shared datasets, acme and other hash to slots of more than one.
      const masters = cluster.nodes().filter((n) => n.role === 'master');
      const holding = masters.filter((n) => Number(cluster!.cli(n.port, 'dbsize').trim()) > 0);
      assert.ok(holding.length >= 2, `keys on ${holding.length} master(s)`);

      // Move acme's slot to another master while the tenant's client is connected: its next read goes to the old
      // master, which answers MOVED (counted in its errorstats), and the client follows it over TLS to the new one.
      const tenantKey = 'fw:{acme}:meta';
      const to = masters.find((n) => n.port !== cluster!.masterOf(tenantKey))!.port;
      const { slot, fromPort } = cluster.moveSlotOf(tenantKey, to);
      const movedBefore = movedReplies(cluster, fromPort);
      assert.equal((await job.namespace('acme').get('mine'))?.toString(), 'x');
      const v = await latestCheckpointVersion(job.namespace('acme'), JOB_ID);
      assert.ok(v !== undefined, 'the checkpoint is listed after the move');
      assert.equal((await loadCheckpoint(job.namespace('acme'), JOB_ID, v)).step, 1);
      assert.ok(movedReplies(cluster, fromPort) > movedBefore, 'the old master answered MOVED');
      assert.equal(Number(cluster.cli(fromPort, 'cluster', 'countkeysinslot', String(slot)).trim()), 0);
      assert.ok(Number(cluster.cli(to, 'cluster', 'countkeysinslot', String(slot)).trim()) > 0);
    } finally {
      await job.close();
    }

    // Promote the replica of acme's new master (a manual, coordinated CLUSTER FAILOVER: no data lost, no timeout to
    // wait for). The tenant's user works on the promoted node only because it was provisioned on replicas too.
    const holder = cluster.masterOf('fw:{acme}:meta');
    const holderId = cluster.nodes().find((n) => n.port === holder)!.id;
    const replica = cluster.nodes().find((n) => n.role === 'slave' && n.masterId === holderId)!.port;
    cluster.cli(replica, 'cluster', 'failover');
    await waitFor('the replica promoted', () => cluster!.masterOf('fw:{acme}:meta') === replica, 30_000, 100);

    // A second run of the job restores the checkpoint the first one saved, now from the promoted replica.
    const second = runJob(certs.caCert);
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual([lastJson(second.stdout).step, lastJson(second.stdout).resumedFrom], [2, 1]);

    // Refusals, each a typed error within its bounds: a CA that did not sign the servers' certificate, no CA at all
    // (defaults: the client's own retries, then the verdict), and plain redis-cluster:// to the TLS-only ports.
    const other = readFileSync(certs.otherCaCert, 'utf8');
    const untrusted = await RedisStore.connect(jobUrl, { tlsCa: other, maxAttempts: 1 }).then(() => undefined, (e: unknown) => e);
    assert.ok(untrusted instanceof UntrustedCertificateError, String(untrusted));
    assert.match(untrusted.message, /certificate of rediss-cluster:\/\/fw-acme:\*\*\*@127\.0\.0\.1:\d+ is not trusted/);
    assert.ok(!untrusted.message.includes(password), 'the password is not in the message');
    // With default options (4 attempts with backoff) as a client that forgot its CA would have: bounded, then typed.
    const noCaStart = Date.now();
    await assert.rejects(RedisStore.connect(cluster.url), UntrustedCertificateError);
    const noCaMs = Date.now() - noCaStart;
    // A wrong password is the server's refusal, not "no node available".
    const wrongPassword = 'not-the-password-42';
    const refused = await RedisStore.connect(`rediss-cluster://fw-acme:${wrongPassword}@127.0.0.1:${seed}`, { tlsCa: ca, maxAttempts: 1 }).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof GridStoreRefusedError, String(refused));
    assert.match(refused.message, /WRONGPASS/);
    assert.ok(!refused.message.includes(wrongPassword), 'the password is not in the message');
    const plainUrl = cluster.url.replace('rediss-cluster://', 'redis-cluster://');
    const plainStart = Date.now();
    await assert.rejects(RedisStore.connect(plainUrl), (e: unknown) => e instanceof GridTlsRequiredError && e.code === 'grid_tls_required' && /speaks only TLS/.test(e.message));
    // Figures only (no timing is asserted): how long a misconfigured client takes to get its verdict.
    t.diagnostic(`verdict after ${noCaMs} ms without the CA, ${Date.now() - plainStart} ms for plain redis-cluster:// (default retries)`);
    await assert.rejects(RedisStore.connect(plainUrl, { tlsCa: ca }), (e: unknown) => e instanceof InvalidInputError && /refusing to connect in clear/.test(e.message));

    // The same job process without the CA stops with the certificate error instead of hanging or going on in clear.
    const noCa = runJob('');
    assert.notEqual(noCa.status, 0);
    assert.match(noCa.stderr, /untrusted_certificate|is not trusted/);
    assert.ok(!noCa.stderr.includes(password), 'the password is not printed');
  } finally {
    await admin?.close();
    await cluster?.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
