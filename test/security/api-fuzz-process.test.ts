// The same OpenAPI-driven fuzzing, shorter, against a real `fairway server` process over real sockets (raw paths, as
// an attacker's client would send them, not normalised by fetch): no 5xx, no rejected request creates or removes a
// tenant, job or node, invalid tokens never get 2xx, the live event stream works for a valid token, the process keeps
// answering, and its log (stdout, --log) records rejections without any token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { repoRoot } from '../../src/paths.ts';
import { FAIRWAY_BIN, waitFor } from './live.ts';
import { headersOf, operationsOf, requestsFor, type FuzzContext } from './fuzz-requests.ts';
import { assertNoSecrets } from './harness.ts';

const RUNS = Number(process.env.FAIRWAY_FUZZ_PROCESS_RUNS ?? 25);
const SEED = Number(process.env.FAIRWAY_FUZZ_SEED ?? 20261129);
const ADMIN = 'proc-admin-token-0123456789abcdef';
const JOIN = 'proc-join-token-0123456789abcdef';

interface Answer { status: number; body: string }

function send(base: URL, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer | undefined> {
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = request({ host: base.hostname, port: base.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
    } catch (err) {
      // Node's client refuses some paths and header values before sending; nothing reached the server.
      if ((err as NodeJS.ErrnoException).code === 'ERR_UNESCAPED_CHARACTERS' || (err as NodeJS.ErrnoException).code === 'ERR_INVALID_CHAR') return resolve(undefined);
      return reject(err as Error);
    }
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

test(`fuzz every OpenAPI operation against a real server process (${RUNS} runs each)`, { timeout: 200_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-fuzzproc-'));
  const server = spawn(process.execPath, [FAIRWAY_BIN, 'server', '--port', '0', '--data-dir', dir, '--admin-token', ADMIN, '--join-token', JOIN, '--sync', 'normal', '--log', '--body-limit', '65536'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  server.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await waitFor('the server listening', async () => /listening on (http:\/\/\S+)/.test(out), 60_000, () => out);
    const base = new URL(/listening on (http:\/\/\S+)/.exec(out)![1]!);
    const admin = { authorization: `Bearer ${ADMIN}` };
    const json = async (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> => {
      const r = await send(base, method, path, { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body === undefined ? undefined : JSON.stringify(body));
      assert.ok(r && r.status < 300, `${method} ${path}: ${r?.status} ${r?.body}`);
      return JSON.parse(r.body) as Record<string, unknown>;
    };
    const rotatedA = (await json('POST', '/v1/tenants', admin, { id: 'a' })).token as string;
    const a = (await json('POST', '/v1/tenants/a/token', { authorization: `Bearer ${rotatedA}` })).token as string;
    const b = (await json('POST', '/v1/tenants', admin, { id: 'b' })).token as string;
    const job = async (t: string): Promise<string> => (await json('POST', '/v1/jobs', { authorization: `Bearer ${t}` }, { name: 'j', request: { cpu: 1 }, command: ['x'] })).id as string;
    const ctx: FuzzContext = { admin: ADMIN, join: JOIN, tokens: { a, b }, rotatedA, jobs: { a: await job(a), b: await job(b) } };
    const issued = [ADMIN, JOIN, rotatedA, a, b];
    // What a rejected request must not change: which tenants, jobs and nodes exist (states move on their own here:
    // the scheduler runs, and accepted fuzz requests may register nodes).
    const inventory = async (): Promise<string> => JSON.stringify([
      ((await json('GET', '/v1/tenants', admin)).tenants as { id: string }[]).map((t) => t.id).sort(),
      ((await json('GET', '/v1/jobs?limit=1000', admin)).jobs as { id: string }[]).map((j) => j.id).sort(),
      ((await json('GET', '/v1/nodes', admin)).nodes as { id: string }[]).map((n) => n.id).sort(),
    ]);

    const doc = JSON.parse((await send(base, 'GET', '/openapi.json', {}))!.body) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const ops = operationsOf(doc);
    let sent = 0;
    for (const [k, op] of ops.entries()) {
      await fc.assert(fc.asyncProperty(requestsFor(op, ctx, { streaming: op.path === '/v1/events' }), async (r) => {
        const before = await inventory();
        const res = await send(base, r.method, r.url, headersOf(r, ctx), r.body);
        if (res === undefined) return;
        sent++;
        assert.ok(res.status < 500, `${r.method} ${r.url} [${r.credential.label}] → ${res.status}: ${res.body.slice(0, 300)}`);
        if (res.status >= 400) assert.equal(await inventory(), before, `${r.method} ${r.url} [${r.credential.label}] was rejected (${res.status}) but changed what exists`);
        else assert.ok(r.credential.valid, `${r.method} ${r.url} answered ${res.status} to an invalid credential (${r.credential.label})`);
        if (res.status === 200 && /\/token(\?|$)/.test(r.url)) {
          const { tenant, token } = JSON.parse(res.body) as { tenant: { id: string }; token: string };
          issued.push(token);
          if (tenant.id === 'a') { ctx.rotatedA = ctx.tokens.a; ctx.tokens.a = token; } else if (tenant.id === 'b') ctx.tokens.b = token;
        }
      }), { numRuns: RUNS, seed: SEED + 1000 + k, endOnFailure: true });
    }
    assert.ok(sent >= ops.length * RUNS * 0.9, `${sent} requests reached the server`);

    // The live event stream with a valid token: open, read the greeting, leave.
    const abort = new AbortController();
    const sse = await fetch(new URL('/v1/events', base), { headers: { authorization: `Bearer ${ctx.tokens.b}` }, signal: abort.signal });
    assert.equal(sse.status, 200);
    const first = await sse.body!.getReader().read();
    assert.match(Buffer.from(first.value!).toString(), /connected/);
    abort.abort();

    assert.equal((await send(base, 'GET', '/healthz', {}))?.status, 200);
    assert.equal(server.exitCode, null, 'the server process is still running');
    assert.match(out, /request rejected/);
    assertNoSecrets(out, issued);
  } finally {
    server.kill('SIGTERM');
    await new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
    rmSync(dir, { recursive: true, force: true });
  }
});
