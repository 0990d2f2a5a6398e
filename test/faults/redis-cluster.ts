// A real Redis Cluster with failover for the fault suite: 3 masters, each with 1 replica, on loopback ports, with a
// short cluster-node-timeout so that a stopped master is replaced by its replica within seconds. Each server is a
// child process of the test; stop() kills exactly those and removes the directory.
// With `tls`, every server listens only on a TLS port (`--port 0`), and the cluster bus and replication run over TLS
// too (the security suite, test/security/redis-cluster-tls.test.ts); then `url` is rediss-cluster:// and every
// redis-cli call of this harness goes over TLS with the CA.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, stopProcess, waitFor } from './harness.ts';

export const REDIS_SERVER = process.env.FAIRWAY_REDIS_SERVER ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.FAIRWAY_REDIS_CLI ?? '/usr/bin/redis-cli';

/** Certificate files for a TLS-only cluster: the servers' certificate and key, and the CA that signed it. */
export interface ClusterTlsFiles {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

export interface ClusterStartOptions {
  readonly nodeTimeoutMs?: number;
  readonly tls?: ClusterTlsFiles;
}

function runCli(tlsArgs: readonly string[], port: number, args: readonly string[]): string {
  const r = spawnSync(REDIS_CLI, [...tlsArgs, '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`redis-cli -p ${port} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/** redis-cli against a plain (non-TLS) server of the cluster. */
export function cli(port: number, ...args: string[]): string {
  return runCli([], port, args);
}

export interface ClusterNode { id: string; port: number; role: 'master' | 'slave'; masterId: string | null; failed: boolean; slots: string[] }

export class FailoverCluster {
  /** Arguments that make redis-cli speak TLS to these servers (empty for a plain cluster). */
  readonly cliTlsArgs: readonly string[];

  private constructor(readonly dir: string, readonly servers: Map<number, ChildProcess>, readonly nodeTimeoutMs: number, readonly tls: ClusterTlsFiles | undefined) {
    this.cliTlsArgs = tls ? ['--tls', '--cacert', tls.caCert] : [];
  }

  /** `start(1000)` is `start({ nodeTimeoutMs: 1000 })`. */
  static async start(options: number | ClusterStartOptions = {}): Promise<FailoverCluster> {
    const { nodeTimeoutMs = 1000, tls } = typeof options === 'number' ? { nodeTimeoutMs: options } : options;
    // Never a silent skip: the fault suite needs real Redis (CI installs it, see .ci/run).
    for (const bin of [REDIS_SERVER, REDIS_CLI]) if (!existsSync(bin)) throw new Error(`${bin} not found: the fault suite needs Redis (apt-get install redis-server)`);
    const dir = mkdtempSync(join(tmpdir(), 'fw-fault-redis-'));
    const servers = new Map<number, ChildProcess>();
    const c = new FailoverCluster(dir, servers, nodeTimeoutMs, tls);
    // TLS only: no plain port at all, and the cluster bus and replication links over TLS as well.
    const listen = (port: number): string[] => (tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes', '--tls-replication', 'yes',
        '--tls-cert-file', tls.serverCert, '--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.caCert, '--tls-auth-clients', 'no']
      : ['--port', String(port)]);
    try {
      for (let i = 0; i < 6; i++) {
        // The cluster bus listens on port + 10000: pick ports below 55535 whose bus port is free too.
        let port = 0;
        do port = await freePort(); while (port > 55_000);
        servers.set(port, spawn(REDIS_SERVER, [...listen(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
          '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--logfile', join(dir, `redis-${port}.log`),
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeoutMs),
          // A replica with a stale link may still be promoted (the default factor 10 × a 1 s timeout is short anyway).
          '--cluster-replica-validity-factor', '0'], { stdio: 'ignore' }));
      }
      await waitFor('redis servers answering', () => [...servers.keys()].every((p) => {
        const r = spawnSync(REDIS_CLI, [...c.cliTlsArgs, '-p', String(p), 'ping'], { encoding: 'utf8', timeout: 2000 });
        return r.stdout.trim() === 'PONG';
      }), 20_000, 100);
      const ports = [...servers.keys()];
      const r = spawnSync(REDIS_CLI, [...c.cliTlsArgs, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`cluster create failed: ${r.stderr || r.stdout}`);
      await waitFor('cluster_state:ok with 3 replicas', () => ports.every((p) => c.cli(p, 'cluster', 'info').includes('cluster_state:ok'))
        && c.nodes().filter((n) => n.role === 'slave' && !n.failed).length === 3, 30_000, 200);
      // A replica counts as in sync only once its first full sync is done; until then a failover loses everything.
      await waitFor('replicas in sync', () => c.nodes().filter((n) => n.role === 'slave').every((n) => /master_link_status:up/.test(c.cli(n.port, 'info', 'replication'))), 30_000, 200);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** redis-cli against one server of this cluster (over TLS with the CA for a TLS cluster). */
  cli(port: number, ...args: string[]): string {
    return runCli(this.cliTlsArgs, port, args);
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}-cluster://${[...this.servers.keys()].map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  /** CLUSTER NODES as seen by the first server that answers (skipping `except`, e.g. a stopped one). */
  nodes(except: readonly number[] = []): ClusterNode[] {
    for (const port of this.servers.keys()) {
      if (except.includes(port)) continue;
      const out = this.cli(port, 'cluster', 'nodes');
      return out.trim().split('\n').map((line) => {
        const f = line.split(' ');
        const flags = f[2]!.split(',');
        return {
          id: f[0]!, port: Number(f[1]!.split('@')[0]!.split(':')[1]), role: flags.includes('master') ? 'master' : 'slave',
          masterId: f[3] === '-' ? null : f[3]!, failed: flags.includes('fail') || flags.includes('fail?'), slots: f.slice(8),
        } as ClusterNode;
      });
    }
    throw new Error('no server to ask');
  }

  /** The port of the master serving `key`'s slot, asked of a server other than those in `except`. */
  masterOf(key: string, except: readonly number[] = []): number {
    const asker = [...this.servers.keys()].find((p) => !except.includes(p))!;
    const slot = Number(this.cli(asker, 'cluster', 'keyslot', key).trim());
    for (const n of this.nodes(except)) {
      if (n.role !== 'master' || n.failed) continue;
      for (const s of n.slots) {
        const [a, b] = s.split('-').map(Number);
        if (slot >= a! && slot <= (b ?? a!)) return n.port;
      }
    }
    throw new Error(`no live master holds the slot of ${key}`);
  }

  /**
   * Moves the slot of `key` (and its keys) from its master to the master on `toPort`, the way `redis-cli --cluster
   * reshard` does for one slot: IMPORTING/MIGRATING, MIGRATE in batches (over TLS for a TLS cluster), then the new
   * owner announced to every master. A client that still has the old slot map then gets a MOVED reply.
   */
  moveSlotOf(key: string, toPort: number): { slot: number; fromPort: number } {
    const fromPort = this.masterOf(key);
    if (fromPort === toPort) throw new Error(`the slot of ${key} is already on ${toPort}`);
    const slot = this.cli(fromPort, 'cluster', 'keyslot', key).trim();
    const nodes = this.nodes();
    const idOf = (port: number): string => nodes.find((n) => n.port === port)!.id;
    this.cli(toPort, 'cluster', 'setslot', slot, 'importing', idOf(fromPort));
    this.cli(fromPort, 'cluster', 'setslot', slot, 'migrating', idOf(toPort));
    for (;;) {
      const keys = this.cli(fromPort, 'cluster', 'getkeysinslot', slot, '1000').split('\n').filter(Boolean);
      if (keys.length === 0) break;
      const r = this.cli(fromPort, 'migrate', '127.0.0.1', String(toPort), '', '0', '10000', 'keys', ...keys);
      if (r.trim() !== 'OK') throw new Error(`MIGRATE of slot ${slot} to ${toPort}: ${r}`);
    }
    // The new owner first, then the old one (which from then on answers MOVED), then the others.
    const masters = nodes.filter((n) => n.role === 'master' && n.port !== toPort && n.port !== fromPort).map((n) => n.port);
    for (const port of [toPort, fromPort, ...masters]) this.cli(port, 'cluster', 'setslot', slot, 'node', idOf(toPort));
    return { slot: Number(slot), fromPort };
  }

  signal(port: number, sig: NodeJS.Signals): void {
    this.servers.get(port)!.kill(sig);
  }

  async stop(): Promise<void> {
    for (const c of this.servers.values()) c.kill('SIGCONT');
    await Promise.all([...this.servers.values()].map((c) => stopProcess(c, 5000)));
    await sleep(10);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
