// Shared pieces of the fault-injection suite (npm run test:faults): a coordinator as a real `fairway server` child
// process that can be killed with SIGKILL and restarted on the same data dir and port, real `fairway agent`
// processes, a watcher that reads /proc to catch a job running twice at once, and the figures each scenario prints.
// Every process a test starts is registered with a Processes set, so `finally { await procs.stopAll() }` cleans up
// even when an assertion failed half-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { repoRoot } from '../../src/paths.ts';

export const ADMIN = 'fault-admin-token-0123456789';
export const JOIN = 'fault-join-token-0123456789';
export const FAIRWAY_BIN = join(repoRoot, 'bin/fairway.js');

/** A marker put in every job's environment, so the /proc watcher counts only this test's job processes. */
export const RUN_MARKER = 'FW_FAULT_RUN';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** Polls until `check` holds; the timeout only guards against a hung test (no timing is asserted). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 200, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await sleep(everyMs);
  }
}

export function exited(c: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) r();
    else c.once('exit', () => r());
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess(c: ChildProcess, graceMs = 10_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
  c.kill('SIGTERM');
  await exited(c);
  clearTimeout(t);
}

/** Every child process a test started, stopped in `stopAll` (agents first, then servers), plus /proc-found strays. */
export class Processes {
  private readonly children: { c: ChildProcess; order: number }[] = [];
  add(c: ChildProcess, order = 0): ChildProcess {
    this.children.push({ c, order });
    return c;
  }
  async stopAll(runId?: string): Promise<void> {
    const byOrder = [...new Set(this.children.map((x) => x.order))].sort((a, b) => a - b);
    for (const o of byOrder) await Promise.all(this.children.filter((x) => x.order === o).map((x) => stopProcess(x.c)));
    // Job processes orphaned by a SIGKILLed agent (a host loss) are not our children any more: find them by marker.
    if (runId) for (const p of markedProcesses(runId)) killQuietly(-p.pgid, 'SIGKILL');
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    // Gone already: exactly what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ApiReply { status: number; body: any } // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field

export async function api(url: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const r = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** `fairway server` as a child process on a fixed port (so agents find it again after a restart). */
export class ServerProcess {
  child: ChildProcess | undefined;
  stderr = '';
  readonly url: string;
  constructor(readonly procs: Processes, readonly dataDir: string, readonly port: number, private readonly extraArgs: readonly string[] = []) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const argv = [process.execPath, FAIRWAY_BIN, 'server', '--port', String(this.port), '--data-dir', this.dataDir, '--admin-token', ADMIN, '--join-token', JOIN, ...this.extraArgs];
    const child = this.procs.add(spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }), 1);
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`server exited (${code}) before listening: ${this.stderr}`));
      child.once('exit', onExit);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (/listening on/.test(line)) { child.off('exit', onExit); resolve(); }
      });
    });
  }

  async kill9(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
  }

  admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
    return api(this.url, ADMIN, method, path, body, headers);
  }

  /** Every job the API lists (all pages). */
  async allJobs(): Promise<{ id: string; state: string; nodeIds: string[]; command: string[]; tenant: string }[]> {
    const out = [];
    let cursor: string | null = null;
    do {
      const page: ApiReply = await this.admin('GET', `/v1/jobs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      if (page.status !== 200) throw new Error(`GET /v1/jobs → ${page.status}: ${JSON.stringify(page.body)}`);
      out.push(...page.body.jobs);
      cursor = page.body.nextCursor;
    } while (cursor);
    return out;
  }
}

/** A `fairway agent` child process. */
export function startAgent(procs: Processes, url: string, name: string, capacity: { cpus: number; memoryMiB: number }, logs: Map<string, string>): ChildProcess {
  const child = procs.add(spawn(process.execPath, [FAIRWAY_BIN, 'agent', '--coordinator', url, '--join-token', JOIN, '--name', name,
    '--cpus', String(capacity.cpus), '--memory-mib', String(capacity.memoryMiB), '--gpus', '0', '--heartbeat-ms', '500'], {
    cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'],
  }), 0);
  logs.set(name, '');
  child.stderr!.on('data', (d: Buffer) => logs.set(name, (logs.get(name) ?? '') + d.toString()));
  return child;
}

export interface MarkedProcess { pid: number; pgid: number; jobId: string; nodeId: string }

/** Live processes whose environment carries this run's marker, with the job and node the agent gave them. */
export function markedProcesses(runId: string): MarkedProcess[] {
  const out: MarkedProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let env: string[];
    let stat: string;
    try {
      env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      // Exited while we looked, or not ours to read: either way not one of this run's jobs.
      continue;
    }
    if (!env.includes(`${RUN_MARKER}=${runId}`)) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it runs nothing.
    if (fields[0] === 'Z') continue;
    const jobId = env.find((e) => e.startsWith('FAIRWAY_JOB_ID='))?.slice('FAIRWAY_JOB_ID='.length);
    const nodeId = env.find((e) => e.startsWith('FAIRWAY_NODE_ID='))?.slice('FAIRWAY_NODE_ID='.length);
    if (!jobId || !nodeId) continue;
    out.push({ pid: Number(name), pgid: Number(fields[2]), jobId, nodeId });
  }
  return out;
}

/**
 * Samples /proc every `everyMs` and records every moment a job had more than one live incarnation (each job process
 * is its own process group, so two groups with the same job id are two copies running at once).
 */
export class DoubleRunWatcher {
  readonly doubles: { jobId: string; at: number; where: string[] }[] = [];
  samples = 0;
  readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly runId: string, private readonly everyMs = 100) {}

  start(): this {
    const tick = (): void => {
      this.sample();
      this.timer = setTimeout(tick, this.everyMs);
    };
    tick();
    return this;
  }

  sample(): void {
    this.samples++;
    const groups = new Map<string, Map<number, string>>();
    for (const p of markedProcesses(this.runId)) {
      this.seen.add(p.jobId);
      const g = groups.get(p.jobId) ?? new Map<number, string>();
      g.set(p.pgid, p.nodeId);
      groups.set(p.jobId, g);
    }
    for (const [jobId, g] of groups) {
      if (g.size > 1) this.doubles.push({ jobId, at: Date.now(), where: [...g.entries()].map(([pg, n]) => `${n}:pgid ${pg}`) });
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/** One line of figures, printed through the test runner (and collected for docs/reliability.md). */
export function figures(t: { diagnostic: (m: string) => void }, scenario: string, values: Record<string, unknown>): void {
  const line = `FIGURES ${scenario} ${JSON.stringify(values)}`;
  t.diagnostic(line);
}
