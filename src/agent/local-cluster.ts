// A whole Fairway cluster on this machine, as `fairway up` runs it: the coordinator (HTTP API, SQLite under the data
// dir) in this process, a data grid the job processes share (a private redis-server when one is installed, so
// datasets are decoded once and checkpoints outlive any one process; otherwise jobs use disk and we say so), and N
// `fairway agent` processes, each offering a slice of this machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { FairwayError } from '../core/util/errors.ts';
import { repoRoot } from '../paths.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { newToken } from '../server/auth.ts';
import { connectGrid } from '../grid/connect.ts';
import { loadTrainingData } from '../sdk/datasets.ts';
import { publishTrainingData } from '../sdk/grid-storage.ts';
import { whichSync } from './job-process.ts';
import { spawnPrivateRedis } from './private-redis.ts';

export class ClusterStartError extends FairwayError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('cluster_start', message, context, options);
  }
}

export interface LocalClusterOptions {
  readonly dataDir: string;
  readonly agents: number;
  /** Use the shared grid (Redis) for data and checkpoints; false: every job reads and decodes from disk. */
  readonly grid: boolean;
  readonly port?: number;
  readonly log: (line: string) => void;
  /** Node timeout: missed heartbeats for this long mark a node down. */
  readonly nodeTimeoutMs?: number;
  /** Scheduler profile of the coordinator (src/core/scheduler/profiles.ts); default: fairway. */
  readonly profile?: string;
  /**
   * The most training / test items any job of the workload uses: the grid then holds just that prefix of each set
   * (jobs read the first N items either way), so no job decodes shards it will not train on.
   */
  readonly datasetItems?: { train?: number; test?: number };
}

export interface AgentSlice {
  readonly name: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly cpuSet: readonly number[];
  readonly process: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class LocalCluster {
  readonly adminToken = newToken('fwa');
  readonly joinToken = newToken('fwj');
  server!: RunningServer;
  agents: AgentSlice[] = [];
  gridUrl: string | undefined;
  /** Where jobs get their data and checkpoints, in words. */
  gridNote = '';
  checkpointDir: string;
  private redis: ChildProcess | undefined;
  private closed = false;

  constructor(private readonly o: LocalClusterOptions) {
    this.checkpointDir = join(o.dataDir, 'checkpoints');
  }

  get url(): string {
    return this.server.url;
  }

  /** Total declared capacity of the agents. */
  get capacity(): { cpus: number; memoryMiB: number } {
    return { cpus: this.agents.reduce((a, s) => a + s.cpus, 0), memoryMiB: this.agents.reduce((a, s) => a + s.memoryMiB, 0) };
  }

  async start(): Promise<void> {
    mkdirSync(this.o.dataDir, { recursive: true });
    mkdirSync(this.checkpointDir, { recursive: true });
    this.server = await startServer({
      port: this.o.port ?? 0, dataDir: this.o.dataDir, adminToken: this.adminToken, joinToken: this.joinToken, sync: 'normal',
      cycleIntervalMs: 50, ...(this.o.profile ? { profile: this.o.profile } : {}), ...(this.o.nodeTimeoutMs !== undefined ? { nodeTimeoutMs: this.o.nodeTimeoutMs } : {}),
    });
    this.o.log(`coordinator ${this.server.url} (state in ${join(this.o.dataDir, 'fairway.db')})`);
    if (this.o.grid) await this.startGrid();
    else this.gridNote = 'no grid: each job reads and decodes its data from disk; checkpoints on disk';
    await this.startAgents();
  }

  private async startGrid(): Promise<void> {
    const redisServer = whichSync('redis-server');
    if (!redisServer) {
      this.gridNote = 'redis-server not installed (apt-get install redis-server): jobs fall back to disk for data and checkpoints';
      this.o.log(this.gridNote);
      return;
    }
    const port = await freePort();
    const dir = join(this.o.dataDir, 'grid');
    mkdirSync(dir, { recursive: true });
    this.redis = spawnPrivateRedis({ redisServer, port, dir }).process;
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
      if (r.status === 0 && r.stdout.trim() === 'PONG') break;
      if (i > 100 || this.redis.exitCode !== null) throw new ClusterStartError(`redis-server did not start on port ${port} (log: ${join(dir, 'redis.log')})`, { port });
      await sleep(100);
    }
    const t0 = performance.now();
    const grid = await connectGrid(url);
    try {
      for (const name of ['fashion-mnist', 'synthetic-cifar'] as const) {
        const lim = this.o.datasetItems ?? {};
        const data = await loadTrainingData(name, {
          ...(lim.train !== undefined ? { trainLimit: lim.train } : name === 'synthetic-cifar' ? { trainLimit: 2000 } : {}),
          ...(lim.test !== undefined ? { testLimit: lim.test } : name === 'synthetic-cifar' ? { testLimit: 400 } : {}),
        });
        await publishTrainingData(grid.sharedWriter(), data, 'v1');
      }
    } finally {
      await grid.close();
    }
    this.gridUrl = url;
    // The coordinator reports what each tenant holds in this grid (/v1/fairness, the dashboard's Tenants tab).
    this.server.coordinator.attachGrid(await connectGrid(url));
    this.gridNote = `grid ${url}: datasets decoded once and published in ${Math.round(performance.now() - t0)} ms; checkpoints in the grid`;
    this.o.log(this.gridNote);
  }

  private async startAgents(): Promise<void> {
    const hostCpus = availableParallelism();
    const n = this.o.agents;
    // Each agent offers an equal slice of the host; with more agents than cores, they share cores.
    const cpus = Math.max(1, Math.floor(hostCpus / n));
    const memoryMiB = Math.floor(Math.min(totalmem() / 2 ** 20 * 0.6, 3000 * n) / n);
    for (let i = 0; i < n; i++) {
      const cpuSet = Array.from({ length: cpus }, (_, k) => (i * cpus + k) % hostCpus);
      const name = `agent-${i + 1}`;
      const child = spawn(process.execPath, [join(repoRoot, 'bin/fairway.js'), 'agent', '--coordinator', this.url,
        '--name', name, '--cpus', String(cpus), '--memory-mib', String(memoryMiB), '--cpu-set', cpuSet.join(','), '--gpus', '0', '--exit-with-parent',
        '--work-dir', join(this.o.dataDir, 'agents', name), ...(process.env.FAIRWAY_UP_AGENT_LOGS === '1' ? [] : ['--quiet'])], {
        // The join token goes by environment, not argv, so `ps` does not show it to other users of the machine.
        cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FAIRWAY_JOIN_TOKEN: this.joinToken },
      });
      this.agents.push({ name, cpus, memoryMiB, cpuSet, process: child });
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = this.server.coordinator.listNodes().filter((x) => x.stored.node.status === 'ready').length;
      if (ready >= n) break;
      const dead = this.agents.find((a) => a.process.exitCode !== null);
      if (dead) throw new ClusterStartError(`agent ${dead.name} exited with ${dead.process.exitCode} before registering`);
      if (Date.now() > deadline) throw new ClusterStartError(`only ${ready} of ${n} agents registered within 60 s`);
      await sleep(100);
    }
    this.o.log(`${n} agent(s) ready: ${this.agents.map((a) => `${a.name} (${a.cpus} CPU on ${a.cpuSet.join(',')}, ${a.memoryMiB} MiB)`).join(', ')}`);
  }

  /** Stops agents (they stop their jobs), the grid and the coordinator. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.agents.map((a) => stopChild(a.process, 15_000)));
    // The coordinator before the grid: it reads the grid's usage until it closes.
    await this.server?.close();
    if (this.redis) await stopChild(this.redis, 5000);
  }
}

/** SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

