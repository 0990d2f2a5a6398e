// `fairway up` as a user runs it: a real process that starts the coordinator, a grid and agents, runs a tiny
// multi-tenant workload, prints a JSON summary, and (with --keep) cleans everything up on Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/paths.ts';
import { processTree } from '../../src/agent/proc-stats.ts';

test('fairway up runs a tiny workload to a JSON summary, and Ctrl-C with --keep stops every process it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-up-'));
  const child = spawn(process.execPath, [join(repoRoot, 'bin/fairway.js'), 'up', '--workload', 'examples/workloads/tiny.yaml', '--agents', '2',
    '--json', '--keep', '--data-dir', dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    // Guard against a hang (not a speed assertion): the tiny workload takes well under a minute.
    const deadline = Date.now() + 240_000;
    while (!stderr.includes('cluster left running') && child.exitCode === null) {
      if (Date.now() > deadline) throw new Error(`fairway up did not finish; stderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(child.exitCode, null, `fairway up exited early:\n${stderr}`);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    for (const k of ['jobs', 'succeeded', 'failed', 'totalTrainingS', 'makespanS', 'jainNormalised', 'cpuUtil', 'memUtil', 'migrations']) {
      assert.equal(typeof summary[k], 'number', `summary.${k}`);
    }
    assert.equal(summary.jobs, 3);
    assert.equal(summary.succeeded, 3, stderr);
    assert.equal(summary.failed, 0);
    assert.ok((summary.makespanS as number) > 0 && (summary.totalTrainingS as number) >= (summary.makespanS as number));
    assert.ok((summary.jainNormalised as number) > 0 && (summary.jainNormalised as number) <= 1);
    const tenants = (summary.tenants as { tenant: string; succeeded: number }[]).map((t) => [t.tenant, t.succeeded]);
    assert.deepEqual(tenants, [['alice', 1], ['bob', 1], ['carol', 1]]);
    // carol's job was moved once (the workload's migration drill) and still finished.
    assert.equal(summary.migrations, 1, stderr);
    assert.match(stderr, /migration drill: carol-mlp/);
    assert.match(stderr, /alice-mlp\s+alice\s+succeeded/, 'the summary table lists each job');

    const tree = processTree(child.pid!).filter((p) => p !== child.pid);
    assert.ok(tree.length >= 2, 'agents (and the grid) run as child processes');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const alive = tree.filter((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid));
    assert.deepEqual(alive, [], 'no process of the cluster outlives fairway up');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
