// An in-process coordinator (real SQLite file, real Fastify app driven by `inject`) seeded with two tenants, an agent's
// node and a job each, plus helpers the hostile-input tests share: a snapshot of everything a request could change, and
// a captured log stream to check that no token is ever written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.ts';
import { Authenticator } from '../../src/server/auth.ts';
import { Coordinator } from '../../src/server/coordinator.ts';
import { SqliteStore } from '../../src/server/store/sqlite-store.ts';

export const ADMIN = 'sec-admin-token-0123456789abcdef';
export const JOIN = 'sec-join-token-0123456789abcdef';
export const bearer = (t: string): { authorization: string } => ({ authorization: `Bearer ${t}` });

export interface Seeded {
  readonly app: FastifyInstance;
  readonly coord: Coordinator;
  readonly store: SqliteStore;
  readonly dir: string;
  readonly admin: string;
  readonly join: string;
  /** Tenant tokens, current (a test that rotates one updates them). */
  readonly tokens: Record<'a' | 'b', string>;
  /** A token of tenant a that was rotated away (must no longer work). */
  rotatedA: string;
  /** Every token ever issued in this run, current or not: none may reach a log. */
  readonly issued: string[];
  /** One job of each tenant. */
  readonly jobs: Record<'a' | 'b', string>;
  /** Everything the server wrote to its log. */
  log(): string;
  close(): Promise<void>;
}

export async function openSeeded(opts: { bodyLimit?: number } = {}): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sec-'));
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  // No scheduling cycle during a test: the first submission arms the core's cycle timer this far ahead, and a cycle
  // placing the pending jobs between a fuzzed request's before/after snapshots would read as a rejected request that
  // changed state (seen once under load, when the fuzz run outlasted a 60 s interval).
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 24 * 3600_000 });
  let logged = '';
  const logStream = new Writable({ write(chunk: Buffer, _enc, cb) { logged += chunk.toString(); cb(); } });
  const app = buildApp({ coordinator: coord, auth, bodyLimit: opts.bodyLimit ?? 64 * 1024, logStream, storeStats: () => store.stats });
  const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown): Promise<unknown> => {
    const r = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    assert.ok(r.statusCode < 300, `${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const tokenOf = async (id: string): Promise<string> => ((await call('POST', '/v1/tenants', bearer(ADMIN), { id })) as { token: string }).token;
  const rotatedA = await tokenOf('a');
  const a = ((await call('POST', '/v1/tenants/a/token', bearer(rotatedA))) as { token: string }).token;
  const b = await tokenOf('b');
  await call('POST', '/v1/nodes', bearer(JOIN), { id: 'n1', capacity: { cpu: 4, memoryMiB: 8192 } });
  const submit = async (t: string, name: string): Promise<string> =>
    ((await call('POST', '/v1/jobs', bearer(t), { name, request: { cpu: 1, memoryMiB: 256 }, command: ['node', 'x.js'] })) as { id: string }).id;
  const jobs = { a: await submit(a, 'job-a'), b: await submit(b, 'job-b') };
  return {
    app, coord, store, dir, admin: ADMIN, join: JOIN, tokens: { a, b }, rotatedA, jobs, issued: [ADMIN, JOIN, rotatedA, a, b],
    log: () => logged,
    async close() {
      await coord.close();
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tenants, jobs (with state and attempts), nodes (with status), logs and events: what a rejected request must not change. */
export function snapshot(s: Seeded): string {
  const tenants = s.coord.listTenants();
  const jobs = s.coord.listJobs({ limit: 100_000 }).map((j) => ({ j, logs: s.coord.logs(j.spec.id, 0, 100_000).length, events: s.coord.jobEvents(j.spec.id).length }));
  const nodes = s.coord.listNodes().map((n) => ({ node: n.stored, allocated: n.allocated }));
  return JSON.stringify({ tenants, jobs, nodes });
}

/** Every token the server knows of (secrets that must never reach a log). */
export function assertNoSecrets(text: string, secrets: readonly string[]): void {
  for (const t of secrets) {
    assert.ok(!text.includes(t), `a token (${t.slice(0, 6)}…) appears in the server log`);
    // Only the random part, in case a prefix or a "Bearer " is stripped or re-encoded.
    const body = t.slice(4);
    assert.ok(!text.includes(body), `a token body (${t.slice(0, 6)}…) appears in the server log`);
  }
}
