// A real live cluster for end-to-end tests: the coordinator in this process (real HTTP on a free port, real SQLite
// file) and node agents as real `fairway agent` processes. Helpers talk to it through the public HTTP API only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/paths.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';

const ADMIN = 'e2e-admin-token-0123456789';
const JOIN = 'e2e-join-token-0123456789';

export interface JobInfo {
  id: string;
  state: string;
  exitCode: number | null;
  nodeIds: string[];
}

export class TestCluster {
  readonly agents = new Map<string, ChildProcess>();
  readonly agentLogs = new Map<string, string>();
  private constructor(public server: RunningServer, readonly dir: string, private readonly nodeTimeoutMs: number) {}

  static async start(opts: { nodeTimeoutMs?: number } = {}): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'fw-e2e-'));
    // Tests that are about losing a node pass their own short timeout. Otherwise it is generous: agents fence their
    // jobs after half of it (the lease) without an exchange, and a loaded 2-core machine or a coordinator restart can
    // stall exchanges for seconds; a job stopped for that would fail tests that are not about it.
    const nodeTimeoutMs = opts.nodeTimeoutMs ?? 20_000;
    const server = await startServer({ port: 0, dataDir: dir, adminToken: ADMIN, joinToken: JOIN, sync: 'normal', nodeTimeoutMs });
    return new TestCluster(server, dir, nodeTimeoutMs);
  }

  /** Stops the coordinator and starts a new one on the same port and SQLite file (agents keep running). */
  /** Stops the coordinator and starts it again on the same port; `whileDown` runs in between. */
  async restartServer(opts: { freshState?: boolean; whileDown?: () => Promise<void> } = {}): Promise<void> {
    const port = Number(new URL(this.url).port);
    await this.server.close();
    await opts.whileDown?.();
    const dataDir = opts.freshState ? mkdtempSync(join(this.dir, 'fresh-')) : this.dir;
    this.server = await startServer({ port, dataDir, adminToken: ADMIN, joinToken: JOIN, sync: 'normal', nodeTimeoutMs: this.nodeTimeoutMs });
  }

  get adminToken(): string {
    return ADMIN;
  }

  get joinToken(): string {
    return JOIN;
  }

  get url(): string {
    return this.server.url;
  }

  /** Starts `fairway agent` as a process and waits until the coordinator lists its node. */
  async addAgent(name: string, capacity: { cpus: number; memoryMiB: number }): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/fairway.js'), 'agent', '--coordinator', this.url, '--join-token', JOIN,
      '--name', name, '--cpus', String(capacity.cpus), '--memory-mib', String(capacity.memoryMiB), '--gpus', '0', '--heartbeat-ms', '500',
      '--work-dir', join(this.dir, 'agents', name)], {
      cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.agentLogs.set(name, '');
    child.stderr!.on('data', (d: Buffer) => this.agentLogs.set(name, (this.agentLogs.get(name) ?? '') + d.toString()));
    this.agents.set(name, child);
    await this.waitFor(`node ${name} ready`, async () => {
      const nodes = (await this.api('GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] };
      return nodes.nodes.some((n) => n.id === name && n.status === 'ready');
    }, 60_000);
    return child;
  }

  async api(method: string, path: string, body?: unknown): Promise<unknown> {
    // `connection: close`: no pooled keep-alive socket outlives a restartServer(); the old coordinator closes it on
    // shutdown, and a request that raced that close would fail with "fetch failed" although the new one is up.
    const res = await fetch(`${this.url}${path}`, {
      method, headers: { authorization: `Bearer ${ADMIN}`, connection: 'close', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).catch((err: unknown) => {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${method} ${path}: ${(err as Error).message} (${cause?.code ?? ''} ${cause?.message ?? ''})`, { cause: err });
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  async tenant(id: string): Promise<void> {
    await this.api('POST', '/v1/tenants', { id });
  }

  async submit(tenant: string, job: { name: string; cpu: number; memoryMiB: number; command: string[]; env?: Record<string, string> }): Promise<string> {
    const r = (await this.api('POST', '/v1/jobs', {
      tenant, name: job.name, request: { cpu: job.cpu, memoryMiB: job.memoryMiB }, command: job.command, ...(job.env ? { env: job.env } : {}),
    })) as { id: string };
    return r.id;
  }

  async job(id: string): Promise<JobInfo> {
    return (await this.api('GET', `/v1/jobs/${id}`)) as JobInfo;
  }

  async events(id: string): Promise<{ type: string; at: string; data: Record<string, unknown> }[]> {
    return ((await this.api('GET', `/v1/jobs/${id}/events`)) as { events: { type: string; at: string; data: Record<string, unknown> }[] }).events;
  }

  async logs(id: string): Promise<string[]> {
    return ((await this.api('GET', `/v1/jobs/${id}/logs?limit=10000`)) as { lines: { line: string }[] }).lines.map((l) => l.line);
  }

  /** Progress lines (`fw: 1`) a job printed, parsed. */
  async progress(id: string): Promise<Record<string, unknown>[]> {
    return (await this.logs(id)).filter((l) => l.startsWith('{') && l.includes('"fw":1')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async waitForState(id: string, states: readonly string[], timeoutMs = 120_000): Promise<JobInfo> {
    let last: JobInfo | undefined;
    await this.waitFor(`job ${id} in ${states.join('|')}`, async () => {
      last = await this.job(id);
      return states.includes(last.state);
    }, timeoutMs);
    return last!;
  }

  /** Polls until `check` holds; the timeout is a guard against a hung test, not a speed assertion. */
  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; agent logs:\n${[...this.agentLogs.values()].join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => stopProcess(a)));
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL if it lingers; resolves once the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

/**
 * The pace of test training jobs: every step takes at least this long (`--min-step-ms`). Tests act on a job while it
 * trains (migrate, kill its agent, freeze it, stop a Redis master under it) after seeing its progress through the
 * coordinator, up to ~1 s late (a heartbeat's log push, a poll); unthrottled, a fast CI machine runs a few hundred
 * steps in that time and the job could end first. About what a step takes on the 2-core dev box, so it costs little
 * there; on a faster machine the job keeps this pace and the test keeps its margin.
 */
export const TEST_MIN_STEP_MS = 25;

/** A small real training job (MLP on Fashion-MNIST), checkpointing to a shared directory, throttled (TEST_MIN_STEP_MS). */
export function mlpCommand(opts: { trainLimit: number; epochs: number; checkpointDir: string; checkpointEvery?: number; minStepMs?: number }): string[] {
  return [process.execPath, '--import', 'tsx', 'examples/train-mlp.ts', '--epochs', String(opts.epochs),
    '--train-limit', String(opts.trainLimit), '--test-limit', '100', '--checkpoint-dir', opts.checkpointDir,
    '--checkpoint-every', String(opts.checkpointEvery ?? 0), '--progress-every', '1', '--min-step-ms', String(opts.minStepMs ?? TEST_MIN_STEP_MS)];
}
