// Starts real Redis servers for the grid's conformance tests and benchmark: one standalone server and a 3-master
// Cluster on loopback, on free ports, in a temporary directory; stop() kills exactly those processes and removes it.
// Set FAIRWAY_REDIS_URL / FAIRWAY_REDIS_CLUSTER_URL to use servers started elsewhere (scripts/redis-test-servers.sh).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.FAIRWAY_REDIS_SERVER ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.FAIRWAY_REDIS_CLI ?? '/usr/bin/redis-cli';

export interface RedisServers {
  readonly standaloneUrl: string;
  readonly clusterUrl: string;
  /** Processes by role, so fault tests can kill and restart one. */
  readonly standalone: { port: number; process: ChildProcess | undefined };
  stop(): Promise<void>;
  /** Restarts the standalone server on the same port (after a fault test killed it). */
  restartStandalone(): Promise<void>;
}

/** Why the Redis tests cannot run here, or undefined when they can. In CI a missing server is a failure, not a skip. */
export function redisUnavailableReason(): string | undefined {
  if (process.env.FAIRWAY_REDIS_URL && process.env.FAIRWAY_REDIS_CLUSTER_URL && existsSync(REDIS_CLI)) return undefined;
  if (existsSync(REDIS_SERVER) && existsSync(REDIS_CLI)) return undefined;
  const why = `redis-server not found at ${REDIS_SERVER} (apt-get install redis-server)`;
  if (process.env.CI === 'true') throw new Error(`${why}: required in CI`);
  return why;
}

async function freePort(): Promise<number> {
  // The cluster bus uses port + 10000, so stay below 55535 and check both.
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if ((await canListen(port)) && (await canListen(port + 10000))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function startServer(dir: string, port: number, extra: string[]): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--logfile', join(dir, `redis-${port}.log`), ...extra];
  return spawn(REDIS_SERVER, args, { stdio: 'ignore' });
}

/**
 * Starts a server on a free port and waits until it answers. A port can be taken between the check and the bind (by
 * another test file starting servers in parallel); then our server exits, and we try another port rather than
 * talking to someone else's server.
 */
async function startOnFreePort(dir: string, extra: (port: number) => string[]): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = startServer(dir, port, extra(port));
    const until = Date.now() + 15_000;
    while (Date.now() < until && child.exitCode === null && child.signalCode === null) {
      if (pings(port)) {
        // Make sure the answer came from our process, not from a server that won the race for the port.
        await new Promise((r) => setTimeout(r, 50));
        if (child.exitCode === null) return { port, child };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
  }
  throw new Error(`could not start ${REDIS_SERVER} on a free port (see logs in ${dir})`);
}

function cli(args: string[]): string {
  const r = spawnSync(REDIS_CLI, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function pings(port: number): boolean {
  const r = spawnSync(REDIS_CLI, ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

/** `own: true` always starts private servers (fault tests kill and restart them), ignoring FAIRWAY_REDIS_URL. */
export async function startRedisServers(options: { cluster?: boolean; own?: boolean } = {}): Promise<RedisServers> {
  const envStandalone = process.env.FAIRWAY_REDIS_URL;
  const envCluster = process.env.FAIRWAY_REDIS_CLUSTER_URL;
  if (envStandalone && envCluster && !options.own) {
    return {
      standaloneUrl: envStandalone, clusterUrl: envCluster, standalone: { port: Number(new URL(envStandalone).port), process: undefined },
      stop: async () => undefined,
      restartStandalone: async () => { throw new Error('cannot restart an external Redis server'); },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fairway-redis-'));
  const children: ChildProcess[] = [];
  const clusterPorts: number[] = [];
  let standalonePort = 0;
  let standalone: { port: number; process: ChildProcess | undefined } = { port: 0, process: undefined };
  try {
    const s = await startOnFreePort(dir, () => []);
    standalonePort = s.port;
    standalone = { port: s.port, process: s.child };
    children.push(s.child);
    if (options.cluster ?? true) {
      for (let i = 0; i < 3; i++) {
        const node = await startOnFreePort(dir, (port) => ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '3000']);
        clusterPorts.push(node.port);
        children.push(node.child);
      }
      cli(['--cluster', 'create', ...clusterPorts.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
      await waitFor('cluster_state:ok', () => clusterPorts.every((p) => {
        const r = spawnSync(REDIS_CLI, ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8', timeout: 2000 });
        return r.stdout.includes('cluster_state:ok');
      }));
    }
  } catch (err) {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const stopOne = (c: ChildProcess | undefined): Promise<void> => new Promise((resolve) => {
    if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
  return {
    standaloneUrl: `redis://127.0.0.1:${standalonePort}`,
    clusterUrl: `redis-cluster://${clusterPorts.map((p) => `127.0.0.1:${p}`).join(',')}`,
    standalone,
    async stop() {
      await Promise.all([standalone.process, ...children.slice(1)].map(stopOne));
      rmSync(dir, { recursive: true, force: true });
    },
    async restartStandalone() {
      await stopOne(standalone.process);
      standalone.process = startServer(dir, standalonePort, []);
      await waitFor(`redis-server on ${standalonePort}`, () => pings(standalonePort));
    },
  };
}
