// End to end: a real `fairway server` child process with a real SQLite file, killed with SIGKILL in the middle of
// a stream of submissions and restarted on the same data dir. Nothing acknowledged may be lost, nothing half-written
// may appear, running jobs stay on their nodes and the queue resumes.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers checked field by field below */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../src/paths.ts';

const ADMIN = 'e2e-admin-token-0123456789';
const JOIN = 'e2e-join-token-0123456789';

async function start(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/fairway.js'), 'server', '--port', '0', '--data-dir', dataDir, '--admin-token', ADMIN, '--join-token', JOIN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => { const m = /listening on (\S+)/.exec(line); if (m) resolve(m[1]!); });
  });
  return { child, url };
}

async function api(url: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const killed = (c: ChildProcess): Promise<void> => new Promise((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else c.once('exit', () => r()); });

test('kill -9 in the middle of submissions loses nothing acknowledged and the schedule resumes', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-e2e-'));
  let child: ChildProcess | undefined;
  try {
    const s1 = await start(dir);
    child = s1.child;
    const t = await api(s1.url, ADMIN, 'POST', '/v1/tenants', { id: 'acme', weight: 1 });
    assert.equal(t.status, 201);
    const token = t.body.token as string;
    assert.equal((await api(s1.url, JOIN, 'POST', '/v1/nodes', { id: 'n1', capacity: { cpu: 2, memoryMiB: 4096 } })).status, 201);
    // Two jobs fill the node; wait until the agent has been told to launch them.
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await api(s1.url, token, 'POST', '/v1/jobs', { name: `first-${i}`, request: { cpu: 1, memoryMiB: 256 }, command: ['sleep', '60'] })).body.id as string);
    let launched: string[] = [];
    for (let tries = 0; tries < 50 && launched.length < 2; tries++) {
      const hb = await api(s1.url, JOIN, 'POST', '/v1/nodes/n1/heartbeat', { waitMs: 200 });
      launched = launched.concat(hb.body.commands.filter((c: { type: string }) => c.type === 'LaunchJob').map((c: { jobId: string }) => c.jobId));
    }
    assert.deepEqual(launched, first.slice(0, 2));
    // A stream of submissions, killed with SIGKILL part-way through.
    const acked = new Set<string>();
    const attempts = Array.from({ length: 200 }, (_, i) =>
      api(s1.url, token, 'POST', '/v1/jobs', { name: `burst-${i}`, request: { cpu: 1, memoryMiB: 128 }, command: ['true'] }, { 'idempotency-key': `burst-${i}` })
        .then((r) => { if (r.status === 201) acked.add(r.body.id); if (acked.size === 60) child!.kill('SIGKILL'); })
        .catch(() => undefined));
    await Promise.all(attempts);
    await killed(child);
    assert.ok(acked.size >= 60, `acknowledged ${acked.size}`);

    const s2 = await start(dir);
    child = s2.child;
    // Every acknowledged job is there, complete, and in the state it was acknowledged in (or later).
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await api(s2.url, ADMIN, 'GET', `/v1/jobs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.body.jobs);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = new Set(all.map((j) => j.id));
    for (const id of [...first, ...acked]) assert.ok(ids.has(id), `acknowledged job ${id} lost`);
    for (const j of all) {
      assert.equal(j.tenant, 'acme');
      assert.ok(Array.isArray(j.command) && j.command.length > 0, `job ${j.id} half-written`);
      const ev = await api(s2.url, token, 'GET', `/v1/jobs/${j.id}/events`);
      assert.equal(ev.body.events[0].type, 'submitted', `job ${j.id} has no submitted event`);
    }
    const byId = new Map(all.map((j) => [j.id, j]));
    assert.deepEqual(first.slice(0, 2).map((id) => [byId.get(id).state, byId.get(id).nodeIds]), [['running', ['n1']], ['running', ['n1']]]);
    assert.equal(byId.get(first[2]).state, 'pending');
    // The restarted coordinator does not launch again what already runs; when one finishes, the queue moves on.
    const hb1 = await api(s2.url, JOIN, 'POST', '/v1/nodes/n1/heartbeat', { reports: [{ type: 'exited', jobId: first[0], exitCode: 0 }] });
    assert.equal(hb1.status, 200);
    let next: string[] = [];
    for (let tries = 0; tries < 50 && next.length === 0; tries++) {
      const hb = await api(s2.url, JOIN, 'POST', '/v1/nodes/n1/heartbeat', { waitMs: 200 });
      next = hb.body.commands.filter((c: { type: string }) => c.type === 'LaunchJob').map((c: { jobId: string }) => c.jobId);
    }
    assert.deepEqual(next, [first[2]], 'the oldest pending job is launched next, and nothing running is launched twice');
    // Tokens and idempotency keys survive too.
    const replay = await api(s2.url, token, 'POST', '/v1/jobs', { name: 'burst-0', request: { cpu: 1, memoryMiB: 128 }, command: ['true'] }, { 'idempotency-key': 'burst-0' });
    // burst-0 was sent first: committed (→ 409 naming a stored job) unless the kill beat its commit (→ accepted now).
    assert.ok([201, 409].includes(replay.status), String(replay.status));
    if (replay.status === 409) assert.ok(ids.has(replay.body.details.jobId));
    if (acked.has(replay.body.id ?? '')) assert.fail('an acknowledged submission was accepted twice');
    const fresh = await api(s2.url, token, 'POST', '/v1/jobs', { name: 'after', request: { cpu: 1, memoryMiB: 128 }, command: ['true'] });
    assert.equal(fresh.status, 201);
    assert.ok(!ids.has(fresh.body.id), 'job ids stay unique across restarts');
    child.kill('SIGTERM');
    await killed(child);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await killed(child); }
    rmSync(dir, { recursive: true, force: true });
  }
});
