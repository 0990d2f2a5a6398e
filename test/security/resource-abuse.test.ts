// Resource abuse under a real `fairway agent` process with real job processes: a fork bomb (bounded), a job whose
// children allocate past its memory limit (one of them orphaned out of the leader's tree), and a job whose children
// widen their own CPU affinity and spin. The first two are stopped with a reason naming the limit; the spinner is pinned
// back to its CPUs; another tenant's job, running alongside, finishes untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/server.ts';
import { startAgent, stopAgent, waitFor } from './live.ts';

const ADMIN = 'abuse-admin-token-0123456789abcdef';
const JOIN = 'abuse-join-token-0123456789abcdef';

interface JobInfo { id: string; state: string; exitCode: number | null; nodeIds: string[] }

test('fork bomb, memory over the process tree and CPU escape are contained; the other tenant\'s job finishes', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-abuse-'));
  const server = await startServer({ port: 0, dataDir: dir, adminToken: ADMIN, joinToken: JOIN, sync: 'normal', nodeTimeoutMs: 20_000, cycleIntervalMs: 200 });
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path} → ${r.status} ${text}`);
    return JSON.parse(text);
  };
  const agent = startAgent(['--coordinator', server.url, '--join-token', JOIN, '--name', 'abuse-node', '--cpus', '2', '--memory-mib', '4096', '--gpus', '0',
    '--heartbeat-ms', '300', '--max-processes', '32']);
  try {
    await waitFor('agent ready', async () => ((await api('GET', '/v1/nodes')) as { nodes: { id: string }[] }).nodes.some((n) => n.id === 'abuse-node'), 60_000, agent.log);
    await api('POST', '/v1/tenants', { id: 'victim' });
    await api('POST', '/v1/tenants', { id: 'attacker' });
    const submit = async (tenant: string, name: string, cpu: number, memoryMiB: number, command: string[]): Promise<string> =>
      ((await api('POST', '/v1/jobs', { tenant, name, request: { cpu, memoryMiB }, command })) as { id: string }).id;
    const victim = await submit('victim', 'steady', 0.25, 256, [process.execPath, '-e', "let i = 0; const t = setInterval(() => { console.log('tick ' + ++i); if (i === 20) clearInterval(t); }, 300);"]);
    const bomb = await submit('attacker', 'fork-bomb', 0.25, 256, ['sh', 'test/security/fixtures/fork-bomb.sh']);
    const hog = await submit('attacker', 'memory-tree', 0.25, 200, [process.execPath, 'test/security/fixtures/memory-tree.mjs']);
    const spin = await submit('attacker', 'cpu-spinner', 1, 512, [process.execPath, 'test/security/fixtures/cpu-spinner.mjs']);
    const job = async (id: string): Promise<JobInfo> => (await api('GET', `/v1/jobs/${id}`)) as JobInfo;
    const terminal = ['succeeded', 'failed', 'cancelled'];
    await waitFor('all four jobs ended', async () => (await Promise.all([victim, bomb, hog, spin].map(job))).every((j) => terminal.includes(j.state)), 150_000, agent.log);
    const reasonOf = async (id: string): Promise<string> => {
      const ev = ((await api('GET', `/v1/jobs/${id}/events`)) as { events: { type: string; data: Record<string, unknown> }[] }).events;
      return ev.filter((e) => e.type === 'failed').map((e) => String(e.data.reason ?? '')).join('\n');
    };
    const logsOf = async (id: string): Promise<string[]> => ((await api('GET', `/v1/jobs/${id}/logs?limit=10000`)) as { lines: { line: string }[] }).lines.map((l) => l.line);

    assert.equal((await job(bomb)).state, 'failed');
    assert.match(await reasonOf(bomb), /process limit exceeded: \d+ processes > limit 32/);
    assert.equal((await job(hog)).state, 'failed');
    assert.match(await reasonOf(hog), /memory limit exceeded: RSS \d+ MiB > limit 200 MiB, summed over [2-9] process\(es\)/);

    // The spinner ran to its end, but only on the CPU it was given: each child that widened its affinity was pinned back.
    const spinLogs = await logsOf(spin);
    assert.equal((await job(spin)).state, 'succeeded', spinLogs.join('\n'));
    const assigned = /^assigned=(\S+)$/.exec(spinLogs.find((l) => l.startsWith('assigned=')) ?? '')?.[1];
    assert.ok(assigned !== undefined && assigned !== '0-1', `pinned to one CPU, got ${assigned}`);
    const finals = spinLogs.filter((l) => l.startsWith('final=')).map((l) => l.slice('final='.length));
    assert.deepEqual(finals, [assigned, assigned, assigned]);
    assert.ok(spinLogs.some((l) => l.startsWith('[fairway] pinned process(es)')), 'the job\'s log says it was pinned back');

    // The other tenant's job was not disturbed.
    const v = await job(victim);
    assert.equal(v.state, 'succeeded');
    assert.equal((await logsOf(victim)).filter((l) => l.startsWith('tick ')).length, 20);

    // Nothing of the stopped jobs is left running.
    await waitFor('no job process left', async () => psList() === '', 20_000, psList);
  } finally {
    await stopAgent(agent);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function psList(): string {
  // The fixtures' command lines are distinctive enough to find their processes machine-wide.
  return execFileSync('ps', ['-eo', 'pid,pgid,args'], { encoding: 'utf8' }).split('\n').filter((l) => /fixtures\/(fork-bomb|memory-tree)|sleep 60$|Buffer\.alloc\(80/.test(l)).join('\n');
}
