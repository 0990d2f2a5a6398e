// The private redis-server `fairway up` runs as its grid. It must not outlive `fairway up`, even when that is killed
// with SIGKILL (no exit handler runs then): where util-linux's `setpriv` is installed (Debian: always, util-linux is
// essential), the server is started with a parent-death signal, so the kernel stops it when its parent dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { whichSync } from './job-process.ts';

export interface PrivateRedisOptions {
  readonly redisServer: string;
  readonly port: number;
  /** Working directory of the server; its log goes to `redis.log` there. */
  readonly dir: string;
}

export interface PrivateRedis {
  readonly process: ChildProcess;
  /** Whether the server stops by itself when this process dies (false: no `setpriv` here). */
  readonly diesWithParent: boolean;
}

export function spawnPrivateRedis(o: PrivateRedisOptions): PrivateRedis {
  // In memory only, loopback only: the grid holds what jobs can rebuild (datasets) or what outlives them for this run.
  const args = ['--port', String(o.port), '--bind', '127.0.0.1', '--dir', o.dir, '--save', '', '--appendonly', 'no',
    '--protected-mode', 'no', '--maxmemory-policy', 'noeviction', '--logfile', join(o.dir, 'redis.log')];
  const setpriv = whichSync('setpriv');
  // setpriv sets PR_SET_PDEATHSIG and execs the server (same pid). The signal follows the thread that spawned it,
  // which in Node is the main thread: it fires when this process exits, however it exits.
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', o.redisServer, ...args], { stdio: 'ignore' })
    : spawn(o.redisServer, args, { stdio: 'ignore' });
  return { process: child, diesWithParent: setpriv !== undefined };
}
