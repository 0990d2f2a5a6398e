// The fence keeper as a real process, against real job-like processes in groups of their own. Victims wait for
// signals (never assumed to be running for any other reason); no timing is asserted, only who got which signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatFeed, headStartMs, parseLine, type FenceGroup } from './fence-keeper.ts';
import { FenceKeeperLink } from './fence-keeper-link.ts';
import { processStartTicks } from './job-pids.ts';

const KEEPER = fileURLToPath(new URL('./fence-keeper.ts', import.meta.url));

test('feed lines round-trip; malformed lines and group ids 0/1 are refused', () => {
  const f = { leftMs: 1500, graceMs: 1200, groups: [{ pgid: 4242, startTicks: 99 }, { pgid: 17, startTicks: 5 }] };
  assert.equal(formatFeed(f), 'feed 1500 1200 4242:99 17:5');
  assert.deepEqual(parseLine(formatFeed(f)), f);
  assert.deepEqual(parseLine('feed 10 20'), { leftMs: 10, graceMs: 20, groups: [] });
  assert.equal(parseLine('exit'), 'exit');
  for (const bad of ['', 'feed', 'feed 10', 'feed -1 20', 'feed 10 20 1:5', 'feed 10 20 0:5', 'feed 10 20 -3:5', 'feed 10 20 12', 'feed 10 20 12:3:4', 'exit now', 'kill 12']) {
    assert.equal(parseLine(bad), undefined, bad);
  }
  assert.equal(headStartMs(1200), 300);
});

interface Victim {
  readonly child: ChildProcess;
  readonly group: FenceGroup;
  readonly termFile: string;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * A job-like process in its own group (as the agent starts jobs). On SIGTERM it writes `termFile`; `ignoreTerm`: it
 * then runs on (only SIGKILL ends it), else it exits 0. Resolves once its handler is installed.
 */
async function victim(dir: string, name: string, ignoreTerm: boolean): Promise<Victim> {
  const termFile = join(dir, `${name}.term`);
  const code = `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(termFile)}, 'term'); ${ignoreTerm ? '' : 'process.exit(0);'} });`
    + "console.log('ready'); setInterval(() => {}, 60000);";
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (c, s) => resolve(s ?? c)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', () => reject(new Error(`victim ${name} exited before it was ready`)));
  });
  const startTicks = processStartTicks(child.pid!);
  assert.ok(startTicks !== undefined);
  return { child, group: { pgid: child.pid!, startTicks }, termFile, exited };
}

function keeper(): { child: ChildProcess; exited: Promise<number | null>; log: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', KEEPER, 'test'], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, exited, log: () => log };
}

function cleanup(dir: string, procs: (ChildProcess | undefined)[]): void {
  for (const p of procs) if (p && p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

test('feed stops (agent frozen): the fed groups get SIGTERM, then SIGKILL after the grace; a reused pid and an unlisted group are left alone; `exit` ends it', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-keeper-'));
  const stubborn = await victim(dir, 'stubborn', true);
  const reused = await victim(dir, 'reused', false);
  const unlisted = await victim(dir, 'unlisted', false);
  const k = keeper();
  try {
    // `reused` stands for a pid the kernel gave to another process since: same pid, another start time.
    const stale = { pgid: reused.group.pgid, startTicks: reused.group.startTicks + 1 };
    for (let i = 0; i < 3; i++) k.child.stdin!.write(`${formatFeed({ leftMs: 300, graceMs: 400, groups: [stubborn.group, stale] })}\n`);
    // Then silence, with stdin still open: the agent is frozen.
    assert.equal(await stubborn.exited, 'SIGKILL', k.log());
    assert.ok(existsSync(stubborn.termFile), 'SIGTERM first, SIGKILL after the grace');
    assert.match(k.log(), /no feed from the agent for 400 ms \(lease time left 300 ms\): the agent is frozen; SIGTERM to job process group\(s\) \d+, SIGKILL/);
    assert.match(k.log(), /still there after the grace: SIGKILL/);
    assert.ok(!existsSync(reused.termFile) && reused.child.exitCode === null, 'a group whose leader has another start time is not signalled');
    assert.ok(!existsSync(unlisted.termFile) && unlisted.child.exitCode === null, 'a group not in the feed is not signalled');
    assert.equal(k.child.exitCode, null, 'the keeper runs on after fencing (the agent may wake and feed it again)');
    k.child.stdin!.end('exit\n');
    assert.equal(await k.exited, 0);
  } finally {
    cleanup(dir, [k.child, stubborn.child, reused.child, unlisted.child]);
  }
});

test('EOF (agent died): the latest feed\'s groups are stopped at once, not at the lease deadline, and the keeper exits', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-keeper-'));
  const job = await victim(dir, 'job', false);
  const dropped = await victim(dir, 'dropped', false);
  const k = keeper();
  try {
    // `dropped` was in an earlier feed only (the agent saw it exit, or it belongs to a later agent): left alone.
    k.child.stdin!.write(`${formatFeed({ leftMs: 600_000, graceMs: 400, groups: [job.group, dropped.group] })}\n`);
    k.child.stdin!.write(`${formatFeed({ leftMs: 600_000, graceMs: 400, groups: [job.group] })}\n`);
    k.child.stdin!.end();
    assert.equal(await job.exited, 0, k.log());
    assert.ok(existsSync(job.termFile));
    assert.equal(await k.exited, 0, 'the keeper exits once its jobs are gone');
    assert.match(k.log(), /the agent is gone \(its end of the feed closed\); SIGTERM to job process group\(s\) \d+,/);
    assert.ok(!existsSync(dropped.termFile) && dropped.child.exitCode === null, 'only the latest feed counts');
  } finally {
    cleanup(dir, [k.child, job.child, dropped.child]);
  }
});

test('`exit` (agent stopping normally): the keeper exits and signals nothing', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-keeper-'));
  const job = await victim(dir, 'job', false);
  const k = keeper();
  try {
    k.child.stdin!.write(`${formatFeed({ leftMs: 60_000, graceMs: 200, groups: [job.group] })}\n`);
    k.child.stdin!.end('exit\n');
    assert.equal(await k.exited, 0, k.log());
    assert.ok(!existsSync(job.termFile) && job.child.exitCode === null, 'the job was not signalled');
    assert.equal(k.log(), '');
  } finally {
    cleanup(dir, [k.child, job.child]);
  }
});

test('the agent\'s link restarts a keeper that died and feeds it again; close() ends it without signalling', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-keeper-'));
  const first = await victim(dir, 'first', false);
  const second = await victim(dir, 'second', false);
  const logs: string[] = [];
  const link = new FenceKeeperLink('test', (l) => logs.push(l));
  try {
    link.start();
    const pid1 = link.pid!;
    assert.ok(pid1 > 0);
    assert.equal(processStartTicks(pid1) !== undefined, true);
    // The keeper has its own process group: a signal to the agent's group does not reach it.
    const pgid = Number(readFileSync(`/proc/${pid1}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    assert.equal(pgid, pid1);
    // Killed before it could act on this feed (it is still starting up): only its successor can.
    link.feed({ leftMs: 1000, graceMs: 400, groups: [first.group] });
    process.kill(pid1, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while ((link.pid === undefined || link.pid === pid1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(link.pid !== undefined && link.pid !== pid1, `a new keeper started: ${logs.join('\n')}`);
    assert.match(logs.join('\n'), new RegExp(`fence keeper \\(pid ${pid1}\\) exited \\(SIGKILL\\); starting another`));
    // The new keeper got the last feed again: left without feeds, it stops `first`.
    assert.equal(await first.exited, 0);
    assert.ok(existsSync(first.termFile));
    link.feed({ leftMs: 60_000, graceMs: 400, groups: [second.group] });
    await link.close();
    assert.equal(link.pid, undefined);
    assert.ok(!existsSync(second.termFile) && second.child.exitCode === null, 'close() signals nothing');
  } finally {
    await link.close();
    cleanup(dir, [first.child, second.child]);
  }
});
