// The grid over TLS: a real redis-server listening only on a TLS port with a certificate made at test time. The
// coordinator side connects with rediss:// and the CA; a real job process, as its tenant's Redis ACL user, reads the
// shared shards and checkpoints over TLS with the CA from FAIRWAY_CA; it cannot read another tenant's keys. An untrusted
// certificate, a plain connection to the TLS port and a CA with a redis:// URL are refused; no password is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/core/util/errors.ts';
import { loadFashionMnistIntoGrid } from '../../src/grid/fashion-mnist-dataset.ts';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridStoreRefusedError } from '../../src/grid/errors.ts';
import { SHARED_NAMESPACE } from '../../src/grid/port.ts';
import { repoRoot } from '../../src/paths.ts';
import { UntrustedCertificateError } from '../../src/wire/http-transport.ts';
import { redisUnavailableReason, REDIS_SERVER, REDIS_CLI } from '../grid/redis-servers.ts';
import { makeTestCerts } from './certs.ts';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startTlsRedis(dir: string, certs: ReturnType<typeof makeTestCerts>): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.caCert, '--tls-auth-clients', 'no',
      '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      const r = spawnSync(REDIS_CLI, ['--tls', '--cacert', certs.caCert, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 5000 });
      if (r.stdout.trim() === 'PONG') return { port, child };
      await new Promise((res) => setTimeout(res, 100));
    }
    child.kill('SIGKILL');
  }
  throw new Error(`redis-server with TLS did not start (see ${dir}/redis.log; is it built with TLS?)`);
}

test('grid over TLS: rediss:// with the CA, a real job process as its tenant\'s ACL user; untrusted and plain refused', { skip: redisUnavailableReason(), timeout: 120_000 }, async () => {
  const certs = makeTestCerts();
  const dir = mkdtempSync(join(tmpdir(), 'fw-redis-tls-'));
  const { port, child } = await startTlsRedis(dir, certs);
  const ca = readFileSync(certs.caCert, 'utf8');
  const password = 'acme-redis-secret-0123456789';
  let admin: Grid | undefined;
  try {
    admin = new Grid(await RedisStore.connect(`rediss://127.0.0.1:${port}`, { tlsCa: ca }));
    const m = await loadFashionMnistIntoGrid(admin.sharedWriter(), { split: 't10k', preferFull: false });
    await admin.namespace('other').set('secret', Buffer.from('other-data'));
    await (admin.store as RedisStore).provisionTenantUser('acme', password);

    // A real job process: FAIRWAY_CA names the CA, the URL carries the tenant's ACL user.
    const jobUrl = `rediss://fw-acme:${password}@127.0.0.1:${port}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/grid/fixtures/grid-job.ts', 'tls-job'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, FAIRWAY_GRID: jobUrl, FAIRWAY_TENANT: 'acme', FAIRWAY_CA: certs.caCert, FAIRWAY_GRID_CA: '', FAIRWAY_GRID_KEY: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; items: number; step: number };
    assert.equal(out.version, m.version);
    assert.equal(out.items, m.items);
    assert.equal(out.step, 1);

    // The tenant user over TLS reaches its own keys and the shared datasets, and nothing of another tenant.
    const job = new Grid(await RedisStore.connect(jobUrl, { tlsCa: ca, readOnlyNamespaces: [SHARED_NAMESPACE], maxAttempts: 1 }));
    try {
      await job.namespace('acme').set('mine', Buffer.from('x'));
      assert.equal((await job.namespace('acme').get('mine'))?.toString(), 'x');
      await assert.rejects(job.namespace('other').get('secret'), GridStoreRefusedError);
    } finally {
      await job.close();
    }

    // Refusals: a CA that did not sign the server's certificate, no CA at all, a CA with a plain URL, plain to the TLS port.
    const other = readFileSync(certs.otherCaCert, 'utf8');
    const untrusted = await RedisStore.connect(jobUrl, { tlsCa: other, maxAttempts: 1, connectTimeoutMs: 3000 }).then(() => undefined, (e: unknown) => e);
    assert.ok(untrusted instanceof UntrustedCertificateError, String(untrusted));
    assert.match(untrusted.message, /certificate of rediss:\/\/fw-acme:\*\*\*@127\.0\.0\.1:\d+ is not trusted/);
    assert.ok(!untrusted.message.includes(password), 'the password is not in the message');
    await assert.rejects(RedisStore.connect(`rediss://127.0.0.1:${port}`, { maxAttempts: 1, connectTimeoutMs: 3000 }), UntrustedCertificateError);
    await assert.rejects(RedisStore.connect(`redis://fw-acme:${password}@127.0.0.1:${port}`, { tlsCa: ca }),
      (e: unknown) => e instanceof InvalidInputError && /refusing to connect in clear/.test(e.message) && !e.message.includes(password));
    await assert.rejects(RedisStore.connect(`redis://127.0.0.1:${port}`, { maxAttempts: 1, connectTimeoutMs: 1500, reconnectMaxMs: 100 }));
  } finally {
    await admin?.close();
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    rmSync(dir, { recursive: true, force: true });
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
