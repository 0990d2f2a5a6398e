// Tenant isolation attacks, each expecting the documented refusal (401 unknown/forged/rotated token, 403 a call the
// token may not make, 404 another tenant's job — indistinguishable from a job that does not exist, 413 an oversize
// body, 400/415 a body the API does not take), no state change, and a server log that records the refusals without a
// single token in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { InvalidInputError } from '../../src/core/util/errors.ts';
import { parseJobYaml } from '../../src/cli/job-file.ts';
import { EmbeddedStore } from '../../src/grid/embedded-store.ts';
import { Grid } from '../../src/grid/grid.ts';
import { openDataset, publishDataset } from '../../src/grid/datasets.ts';
import { tensor } from '../../src/grid/tensor.ts';
import { ADMIN, JOIN, assertNoSecrets, bearer, openSeeded, snapshot } from './harness.ts';
import { runCli } from './live.ts';

const spec = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'x', request: { cpu: 1, memoryMiB: 64 }, command: ['node', 'x.js'], ...over });

test('cross-tenant, forged, rotated and misplaced tokens are refused and change nothing; the log names no token', async () => {
  const s = await openSeeded();
  try {
    const { a, b } = s.tokens;
    const ja = s.jobs.a;
    type Case = [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, string | undefined, number, unknown?];
    const cases: Case[] = [
      // Another tenant's token on tenant a's job and tenant record.
      ['b reads a job of a', 'GET', `/v1/jobs/${ja}`, b, 404],
      ['b reads its logs', 'GET', `/v1/jobs/${ja}/logs`, b, 404],
      ['b reads its events', 'GET', `/v1/jobs/${ja}/events`, b, 404],
      ['b cancels it', 'POST', `/v1/jobs/${ja}/cancel`, b, 404],
      ['b deletes it', 'DELETE', `/v1/jobs/${ja}`, b, 404],
      ['b lists a\'s jobs', 'GET', '/v1/jobs?tenant=a', b, 403],
      ['b submits for a', 'POST', '/v1/jobs', b, 403, spec({ tenant: 'a' })],
      ['b reads tenant a', 'GET', '/v1/tenants/a', b, 403],
      ['b rotates a\'s token', 'POST', '/v1/tenants/a/token', b, 403],
      ['b raises its own weight', 'PATCH', '/v1/tenants/b', b, 403, { weight: 1000 }],
      ['b creates a tenant', 'POST', '/v1/tenants', b, 403, { id: 'evil' }],
      ['b registers a node', 'POST', '/v1/nodes', b, 403, { id: 'evil', capacity: { cpu: 64 } }],
      ['b heartbeats as a node', 'POST', '/v1/nodes/n1/heartbeat', b, 403, { reports: [{ type: 'exited', jobId: ja, exitCode: 1 }] }],
      ['b drains a node', 'POST', '/v1/nodes/n1/drain', b, 403],
      ['b reads metrics', 'GET', '/metrics', b, 403],
      // The agent's join token is for nodes only.
      ['agent reads a job', 'GET', `/v1/jobs/${ja}`, JOIN, 403],
      ['agent submits', 'POST', '/v1/jobs', JOIN, 403, spec({ tenant: 'a' })],
      ['agent creates a tenant', 'POST', '/v1/tenants', JOIN, 403, { id: 'evil' }],
      // Forged, rotated (expired) and malformed tokens.
      ['a\'s rotated token', 'GET', `/v1/jobs/${ja}`, s.rotatedA, 401],
      ['forged token of the right shape', 'GET', '/v1/jobs', `fwt_${'B'.repeat(43)}`, 401],
      ['a\'s token with one character changed', 'GET', '/v1/jobs', `${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`, 401],
      ['admin token prefix', 'GET', '/v1/tenants', ADMIN.slice(0, 12), 401],
      ['no token', 'GET', '/v1/nodes', undefined, 401],
      ['no token, percent-encoded route', 'GET', '/%761/nodes', undefined, 401],
      ['no token, live events', 'GET', '/v1/%65vents', undefined, 401],
      // A job spec reaching for another tenant's identity or data.
      ['spec sets FAIRWAY_TENANT', 'POST', '/v1/jobs', b, 400, spec({ env: { FAIRWAY_TENANT: 'a' } })],
      ['spec sets FAIRWAY_JOB_ID', 'POST', '/v1/jobs', b, 400, spec({ env: { FAIRWAY_JOB_ID: ja } })],
      ['dataset with a tenant path', 'POST', '/v1/jobs', b, 400, spec({ dataset: 'a/private@v1' })],
      ['dataset traversal', 'POST', '/v1/jobs', b, 400, spec({ dataset: '../a/private' })],
      ['dataset hash tag', 'POST', '/v1/jobs', b, 400, spec({ dataset: 'fw:{a}:v:secret' })],
      // Path traversal in ids (logs live in SQLite, but the id reaches the store and the error text).
      ['log id traversal', 'GET', '/v1/jobs/..%2F..%2Fetc%2Fpasswd/logs', b, 400],
      // `%2e%2e` is `..`: the URL is normalised to /v1/logs before routing, which is no route at all.
      ['log id dot-dot, admin', 'GET', '/v1/jobs/%2e%2e/logs', ADMIN, 404],
      ['tenant id traversal', 'GET', '/v1/tenants/..%2Fa', ADMIN, 400],
    ];
    for (const [what, method, url, token, status, body] of cases) {
      const before = snapshot(s);
      const r = await s.app.inject({ method, url, ...(token !== undefined ? { headers: bearer(token) } : {}), ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
      assert.equal(r.statusCode, status, `${what}: ${method} ${url} → ${r.statusCode} ${r.body}`);
      assert.equal(typeof r.json<{ code: string }>().code, 'string', what);
      assert.equal(snapshot(s), before, `${what}: state changed`);
    }
    // Refusals are in the log (route and code, no token): 401 and 403 lines for the cases above.
    const lines = s.log().split('\n').filter((l) => l.includes('request rejected')).map((l) => JSON.parse(l) as { status: number; route: string; code: string });
    for (const st of [401, 403]) assert.equal(lines.filter((l) => l.status === st).length, cases.filter((c) => c[4] === st).length, `each ${st} is logged once`);
    assert.ok(lines.some((l) => l.route === '/v1/jobs/:id' && l.code === 'unauthorized'));
    assertNoSecrets(s.log(), s.issued);
  } finally {
    await s.close();
  }
});

test('guessing job ids: another tenant\'s job answers exactly like a job that does not exist', async () => {
  const s = await openSeeded();
  try {
    const ja = s.jobs.a;
    const guesses = new Set<string>([ja]);
    // Neighbours of a real id: every single-character change, and counters around any number in it.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
    for (let i = 0; i < ja.length; i++) for (const ch of alphabet.slice(0, 12)) guesses.add(`${ja.slice(0, i)}${ch}${ja.slice(i + 1)}`);
    for (let n = 0; n < 50; n++) guesses.add(`j${n}`).add(`job-${n}`).add(String(n));
    const shape = (body: string, id: string): string => body.replaceAll(id, '<id>');
    const seen = new Set<string>();
    let hits = 0;
    for (const id of guesses) {
      const r = await s.app.inject({ method: 'GET', url: `/v1/jobs/${encodeURIComponent(id)}`, headers: bearer(s.tokens.b) });
      if (id === s.jobs.b) continue;
      assert.ok(r.statusCode === 404 || r.statusCode === 400, `${id} → ${r.statusCode}`);
      if (r.statusCode === 404) {
        seen.add(shape(r.body, id));
        hits++;
      }
    }
    assert.ok(hits > 100, `${hits} guesses reached the lookup`);
    assert.equal(seen.size, 1, `one answer shape for a foreign job and a missing one: ${[...seen].join(' | ')}`);
  } finally {
    await s.close();
  }
});

test('oversize and deeply nested bodies, and YAML sent to the API: 413/400/415, no crash, no change', async () => {
  const s = await openSeeded({ bodyLimit: 64 * 1024 });
  try {
    const before = snapshot(s);
    const big = JSON.stringify(spec({ name: 'x'.repeat(100), env: { BIG: 'y'.repeat(9_000), B2: 'y'.repeat(9_000), B3: 'y'.repeat(9_000), B4: 'y'.repeat(9_000), B5: 'y'.repeat(9_000), B6: 'y'.repeat(9_000), B7: 'y'.repeat(9_000), B8: 'y'.repeat(9_000) } }));
    const over = await s.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...bearer(s.tokens.a), 'content-type': 'application/json' }, payload: big });
    assert.equal(over.statusCode, 413, over.body);
    assert.equal(over.json<{ code: string }>().code, 'body_too_large');
    // Nested 20,000 deep: within the size limit, so it reaches the parser and the schema.
    for (const nested of [`${'['.repeat(20_000)}${']'.repeat(20_000)}`, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, JSON.stringify(spec()).replace('"x.js"', `${'['.repeat(10_000)}${']'.repeat(10_000)}`)]) {
      const r = await s.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...bearer(s.tokens.a), 'content-type': 'application/json' }, payload: nested });
      assert.equal(r.statusCode, 400, r.body.slice(0, 200));
    }
    const yaml = await s.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...bearer(s.tokens.a), 'content-type': 'application/yaml' }, payload: 'name: x\n' });
    assert.equal(yaml.statusCode, 415);
    assert.equal(snapshot(s), before);
    assert.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.match(s.log(), /"status":413/);
    assertNoSecrets(s.log(), s.issued);
  } finally {
    await s.close();
  }
});

/** "Billion laughs": 10 levels of 9 aliases each would expand to 9^9 strings. */
function billionLaughs(): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nname: bomb\nrequest: {cpu: 1}\ncommand: [*l9]\n`;
}

test('YAML bombs through the CLI\'s job file path: a clear error at once, not memory or a stack trace', async () => {
  assert.throws(() => parseJobYaml(billionLaughs(), 'bomb.yaml'), (e: unknown) => e instanceof InvalidInputError && /bomb\.yaml: .*alias/.test(e.message));
  // Nesting deeper than the parser's stack: an input error too.
  assert.throws(() => parseJobYaml(`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), InvalidInputError);
  // A few aliases (ordinary YAML reuse) still work.
  assert.deepEqual(parseJobYaml('name: &n x\nrequest: {cpu: 1}\ncommand: [*n, *n]\n').command, ['x', 'x']);
  const dir = mkdtempSync(join(tmpdir(), 'fw-yaml-'));
  try {
    writeFileSync(join(dir, 'bomb.yaml'), billionLaughs());
    const r = await runCli(['submit', join(dir, 'bomb.yaml'), '--dry-run']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^fairway: .*bomb\.yaml: .*alias.*\[invalid_input\]$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('grid names cannot walk out of a tenant\'s namespace; the shared datasets are read-only to jobs', async () => {
  const grid = new Grid(new EmbeddedStore());
  try {
    await grid.namespace('a').set('secret', Buffer.from('a-private'));
    await publishDataset(grid.sharedWriter(), { name: 'toy', version: 'v1', columns: { x: tensor(new Float32Array([1, 2]), [2]) } });
    const b = grid.namespace('b');
    for (const key of ['secret', '../a/secret', 'a/secret', '{a}:secret', 'fw:{a}:v:secret', '..\\a\\secret', '%2e%2e/a/secret']) {
      assert.equal(await b.get(key), undefined, `b read ${key}`);
      assert.equal(await b.has(key), false);
    }
    assert.deepEqual(await b.list(''), []);
    assert.deepEqual(await b.list('../'), []);
    for (const key of ['', 'a b', 'x'.repeat(513), '\u0000', 'é']) await assert.rejects(b.get(key), InvalidInputError, JSON.stringify(key));
    for (const tenant of ['../a', 'a/b', '{a}', '_x', '']) assert.throws(() => grid.namespace(tenant), InvalidInputError, tenant);
    for (const name of ['../toy', 'a/toy', '{a}']) await assert.rejects(openDataset(grid.sharedReader(), name), InvalidInputError, name);
    assert.equal((await openDataset(grid.sharedReader(), 'toy')).manifest.version, 'v1');
    // A job gets the shared datasets through a reader (no write methods); on Redis its ACL user can only read them too
    // (test/grid/redis-acl.test.ts).
    assert.equal(typeof (grid.sharedReader() as unknown as { set?: unknown }).set, 'undefined', 'a job\'s reader of the shared datasets cannot write');
    assert.equal((await grid.namespace('a').get('secret'))?.toString(), 'a-private');
  } finally {
    await grid.close();
  }
});

test('the live event stream shows a tenant only its own jobs', { timeout: 60_000 }, async () => {
  const s = await openSeeded();
  try {
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/events`, { headers: bearer(s.tokens.b), signal: abort.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const submit = async (token: string, name: string): Promise<string> => (await (await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(spec({ name })) })).json() as { id: string }).id;
    const foreign = await submit(s.tokens.a, 'a-secret-job');
    const own = await submit(s.tokens.b, 'b-job');
    while (!text.includes(own)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    abort.abort();
    assert.ok(text.includes(own), 'b sees its own job');
    assert.ok(!text.includes(foreign) && !text.includes('"tenant":"a"'), 'b sees nothing of a');
    const noAuth = await fetch(`${url}/v1/events`);
    assert.equal(noAuth.status, 401);
    await noAuth.body?.cancel();
  } finally {
    await s.close();
  }
});
