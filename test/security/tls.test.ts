// Transport security with real processes: a coordinator serving HTTPS with a certificate made at test time, a real
// `fairway agent` and the CLI trusting it through --ca / FAIRWAY_CA (through a relay that records the bytes on the wire:
// no token in clear), and refusals: an untrusted certificate (wrong CA, no CA), a plain-HTTP client, an http:// URL while a
// CA is configured, a certificate without its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/cli/client.ts';
import { startServer } from '../../src/server/server.ts';
import { makeFetch, UntrustedCertificateError, InsecureUrlError } from '../../src/wire/http-transport.ts';
import { makeTestCerts } from './certs.ts';
import { RecordingRelay, runCli, startAgent, stopAgent, waitFor } from './live.ts';

const ADMIN = 'tls-admin-token-0123456789abcdef';
const JOIN = 'tls-join-token-0123456789abcdef';

test('HTTPS coordinator: a real agent and the CLI work through --ca; untrusted and plain-HTTP clients are refused', { timeout: 180_000 }, async () => {
  const certs = makeTestCerts();
  const dir = mkdtempSync(join(tmpdir(), 'fw-tls-'));
  const server = await startServer({ port: 0, dataDir: dir, adminToken: ADMIN, joinToken: JOIN, sync: 'normal', nodeTimeoutMs: 10_000, tlsCertFile: certs.serverCert, tlsKeyFile: certs.serverKey });
  const relay = await RecordingRelay.start(Number(new URL(server.url).port));
  const url = `https://127.0.0.1:${relay.port}`;
  const api = makeFetch({ ca: readFileSync(certs.caCert, 'utf8') });
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await api(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path} → ${r.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const agents: ReturnType<typeof startAgent>[] = [];
  const streamAbort = new AbortController();
  try {
    assert.match(server.url, /^https:\/\//);

    // A real agent over TLS runs a real job to the end.
    const agent = startAgent(['--coordinator', url, '--ca', certs.caCert, '--join-token', JOIN, '--name', 'tls-node', '--cpus', '1', '--memory-mib', '1024', '--gpus', '0', '--heartbeat-ms', '300']);
    agents.push(agent);
    await waitFor('the agent registered over TLS', async () => ((await call('GET', '/v1/nodes')).nodes as { id: string }[]).some((n) => n.id === 'tls-node'), 60_000, agent.log);
    const { token } = await call('POST', '/v1/tenants', { id: 'acme' }) as { token: string };
    const job = await call('POST', '/v1/jobs', { tenant: 'acme', name: 'hello', request: { cpu: 0.5, memoryMiB: 64 }, command: [process.execPath, '-e', "console.log('hello over tls')"] });
    await waitFor('the job finished', async () => ['succeeded', 'failed'].includes((await call('GET', `/v1/jobs/${String(job.id)}`)).state as string), 60_000, agent.log);
    assert.equal((await call('GET', `/v1/jobs/${String(job.id)}`)).state, 'succeeded', agent.log());
    const logs = await call('GET', `/v1/jobs/${String(job.id)}/logs`) as { lines: { line: string }[] };
    assert.ok(logs.lines.some((l) => l.line === 'hello over tls'), 'the job log came back through the agent');

    // The CLI: --ca, then FAIRWAY_CA; a wrong CA, no CA, and http:// with a CA are refused with a clear error.
    const ok = await runCli(['jobs', '--url', url, '--ca', certs.caCert, '--token', token, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(String(job.id)));
    const viaEnv = await runCli(['nodes', '--url', url, '--token', ADMIN, '--json'], { FAIRWAY_CA: certs.caCert });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /tls-node/);
    const wrong = await runCli(['jobs', '--url', url, '--ca', certs.otherCaCert, '--token', token]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted .*--ca FILE.*\[untrusted_certificate\]/);
    const noCa = await runCli(['jobs', '--url', url, '--token', token], { FAIRWAY_CA: '' });
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /not trusted/);
    const clear = await runCli(['jobs', '--url', `http://127.0.0.1:${relay.port}`, '--ca', certs.caCert, '--token', token]);
    assert.equal(clear.code, 2);
    assert.match(clear.stderr, /refusing to send a token in clear.*\[insecure_url\]/);

    // The CLI's live event stream (`fairway jobs --watch`) over TLS: ApiClient.stream through the same transport.
    const client = new ApiClient({ url, token: ADMIN, ca: certs.caCert });
    const seen: string[] = [];
    let streamedId = '';
    // The job is submitted only once the coordinator has our stream's listener: a fixed pause could end before a
    // loaded machine has finished the TLS handshake, and the job's events would go by unseen.
    const listenersBefore = server.coordinator.bus.listenerCount('event');
    const following = client.stream('/v1/events', (type, data) => {
      seen.push(`${type} ${JSON.stringify(data)}`);
      if (streamedId !== '' && seen.some((e) => e.includes(`"jobId":"${streamedId}"`) && e.includes('"succeeded"'))) streamAbort.abort();
    }, streamAbort.signal).catch((err: unknown) => { if (!streamAbort.signal.aborted) throw err; });
    await waitFor('the event stream is open', async () => server.coordinator.bus.listenerCount('event') > listenersBefore, 30_000, () => seen.join('\n'));
    streamedId = String((await call('POST', '/v1/jobs', { tenant: 'acme', name: 'streamed', request: { cpu: 0.5, memoryMiB: 64 }, command: [process.execPath, '-e', '0'] })).id);
    await waitFor('the job\'s events over the TLS stream', async () => streamAbort.signal.aborted, 30_000, () => seen.join('\n'));
    await following;

    // An agent that does not trust the certificate stops at once with the reason, instead of retrying.
    const distrust = startAgent(['--coordinator', url, '--ca', certs.otherCaCert, '--join-token', JOIN, '--name', 'distrust', '--cpus', '1', '--memory-mib', '256', '--gpus', '0']);
    agents.push(distrust);
    assert.equal(await distrust.exited, 2, distrust.log());
    assert.match(distrust.log(), /not trusted/);

    // In process: the same refusals as typed errors; a plain-HTTP client gets no answer from the TLS port.
    await assert.rejects(makeFetch({ ca: readFileSync(certs.otherCaCert, 'utf8') })(`${url}/healthz`), UntrustedCertificateError);
    await assert.rejects(makeFetch({ ca: readFileSync(certs.caCert, 'utf8') })(`http://127.0.0.1:${relay.port}/healthz`), InsecureUrlError);
    await assert.rejects(fetch(`http://127.0.0.1:${relay.port}/v1/nodes`, { headers: { authorization: `Bearer ${ADMIN}` } }));

    // What crossed the relay: TLS records only, no token in clear (the plain-HTTP attempt above excepted, which the
    // server refused; it is checked separately).
    await stopAgent(agent);
    const wire = relay.bytes;
    assert.ok(wire.length > 10_000, `the relay saw the traffic (${wire.length} bytes)`);
    const withoutPlainAttempt = wire.subarray(0, wire.lastIndexOf(Buffer.from('GET /v1/nodes HTTP/1.1')) >= 0 ? wire.lastIndexOf(Buffer.from('GET /v1/nodes HTTP/1.1')) : wire.length);
    for (const secret of [ADMIN, JOIN, token]) assert.equal(withoutPlainAttempt.indexOf(secret), -1, `a token crossed the wire in clear (${secret.slice(0, 6)}…)`);
    assert.equal(withoutPlainAttempt.indexOf('HTTP/1.1'), -1, 'no clear-text HTTP went over the TLS connections');
  } finally {
    streamAbort.abort();
    for (const a of agents) await stopAgent(a);
    await relay.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(certs.dir, { recursive: true, force: true });
  }
});

test('a TLS certificate without its key (or an unreadable one) is refused at start-up, not served as plain HTTP', async () => {
  const certs = makeTestCerts();
  const dir = mkdtempSync(join(tmpdir(), 'fw-tls-'));
  try {
    await assert.rejects(startServer({ port: 0, dataDir: dir, adminToken: ADMIN, tlsCertFile: certs.serverCert }), /--tls-cert and --tls-key go together/);
    await assert.rejects(startServer({ port: 0, dataDir: dir, adminToken: ADMIN, tlsCertFile: certs.serverCert, tlsKeyFile: join(dir, 'missing.key') }), /cannot read the TLS key/);
    const r = await runCli(['server', '--port', '0', '--data-dir', dir, '--admin-token', ADMIN, '--tls-key', certs.serverKey]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tls-cert and --tls-key go together/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
