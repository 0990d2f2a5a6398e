// Property-based fuzzing of every operation in the coordinator's OpenAPI document (so a new endpoint is covered without
// touching this file), in process through Fastify's inject. For each hostile request: no 5xx; a rejection has an error
// body and changes nothing (tenants, jobs, nodes, logs, events); no invalid token is ever answered 2xx; a tenant's
// token never reaches the other tenant's tenant record or jobs; the server keeps answering; no token reaches the log.
// Runs per operation: FAIRWAY_FUZZ_RUNS (default 250); seed: FAIRWAY_FUZZ_SEED (default fixed, so CI is repeatable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertNoSecrets, openSeeded, snapshot, type Seeded } from './harness.ts';
import { headersOf, operationsOf, requestsFor, type FuzzRequest } from './fuzz-requests.ts';

const RUNS = Number(process.env.FAIRWAY_FUZZ_RUNS ?? 250);
const SEED = Number(process.env.FAIRWAY_FUZZ_SEED ?? 20261129);

/** Checks one answer against the invariants; returns the state snapshot to compare the next request with. */
export function checkAnswer(s: Seeded, r: FuzzRequest, status: number, text: string, before: string): string {
  assert.ok(status < 500, `${r.method} ${r.url} [${r.credential.label}] → ${status}: ${text.slice(0, 300)}`);
  const after = snapshot(s);
  if (status >= 400) {
    if (r.method !== 'HEAD') {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      assert.equal(typeof body.code, 'string', `error without a code: ${text.slice(0, 200)}`);
      assert.equal(typeof body.message, 'string');
    }
    assert.equal(after, before, `${r.method} ${r.url} [${r.credential.label}] was rejected (${status}) but changed state`);
  } else {
    assert.ok(r.credential.valid, `${r.method} ${r.url} answered ${status} to an invalid credential (${r.credential.label})`);
    const t = r.credential.tenant;
    if (t !== undefined) {
      const other = t === 'a' ? 'b' : 'a';
      const otherJob = s.jobs[other];
      assert.ok(!r.params.includes(otherJob) && !(r.url.startsWith('/v1/tenants/') && r.params.includes(other)),
        `tenant ${t} got ${status} for ${r.method} ${r.url}, which names tenant ${other}'s resource`);
      assert.ok(!text.includes(otherJob), `tenant ${t} was shown tenant ${other}'s job in ${r.method} ${r.url}`);
    }
  }
  return after;
}

/** Records tokens a fuzzed rotation handed out, so the credentials keep meaning what they say. */
export function followRotation(s: Seeded, r: FuzzRequest, status: number, text: string): void {
  if (status !== 200 || !/\/token(\?|$)/.test(r.url)) return;
  const { tenant, token } = JSON.parse(text) as { tenant: { id: string }; token: string };
  s.issued.push(token);
  if (tenant.id === 'a') {
    s.rotatedA = s.tokens.a;
    s.tokens.a = token;
  } else if (tenant.id === 'b') s.tokens.b = token;
}

test(`fuzz every OpenAPI operation in process (${RUNS} runs each)`, { timeout: 240_000 }, async (t) => {
  const s = await openSeeded();
  try {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { requestBody?: unknown }>> }>();
    const ops = operationsOf(doc);
    assert.ok(ops.length >= 20, `the OpenAPI document lists ${ops.length} operations`);
    let sent = 0;
    const statuses = new Map<number, number>();
    for (const [k, op] of ops.entries()) {
      await t.test(`${op.method} ${op.path}`, async () => {
        const streaming = op.path === '/v1/events';
        await fc.assert(fc.asyncProperty(requestsFor(op, s, { streaming }), async (r) => {
          const before = snapshot(s);
          const res = await s.app.inject({ method: r.method as 'GET', url: r.url, headers: headersOf(r, s), ...(r.body !== undefined ? { payload: r.body } : {}) });
          sent++;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          checkAnswer(s, r, res.statusCode, res.body, before);
          followRotation(s, r, res.statusCode, res.body);
        }), { numRuns: RUNS, seed: SEED + k, endOnFailure: true });
        const health = await s.app.inject({ method: 'GET', url: '/healthz' });
        assert.equal(health.statusCode, 200);
      });
    }
    t.diagnostic(`${sent} requests over ${ops.length} operations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    assert.match(s.log(), /request rejected/, 'rejections are logged');
    assertNoSecrets(s.log(), s.issued);
  } finally {
    await s.close();
  }
});
