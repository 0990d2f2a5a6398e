// The agent's side of the fence keeper (fence-keeper.ts): starts it in its own process group, feeds it on every
// keepalive tick while the lease is fresh, starts another if it dies, and tells it to exit when the agent stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatFeed, type Feed } from './fence-keeper.ts';

const KEEPER_PATH = fileURLToPath(new URL('./fence-keeper.ts', import.meta.url));
/** Not more than one restart per second: a keeper that cannot start must not become a fork loop. */
const RESTART_DELAY_MS = 1000;

export class FenceKeeperLink {
  private child: ChildProcess | undefined;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastFeed: Feed | undefined;
  private startedAtMs = 0;

  constructor(private readonly label: string, private readonly log: (line: string) => void) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.closed || this.child) return;
    // detached: a group (and session) of its own, so a signal to the agent's group does not reach it; stderr is the
    // agent's, so the keeper's lines land in the agent's log even while the agent is frozen or dead.
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), KEEPER_PATH, this.label], {
      detached: true, stdio: ['pipe', 'ignore', 'inherit'],
    });
    this.child = child;
    this.startedAtMs = Date.now();
    // The keeper must not keep the agent's process alive (nor the agent its keeper: it ends on EOF).
    child.unref();
    const stdin = child.stdin!;
    (stdin as unknown as { unref?: () => void }).unref?.();
    // EPIPE when the keeper died: reported through 'exit' below.
    stdin.on('error', () => { /* see 'exit' */ });
    child.on('error', (err) => this.log(`fence keeper could not start: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.closed) return;
      const wait = Math.max(0, RESTART_DELAY_MS - (Date.now() - this.startedAtMs));
      this.log(`fence keeper (pid ${child.pid ?? '?'}) exited (${signal ?? `code ${code}`}); starting another${wait > 0 ? ` in ${wait} ms` : ''}`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.start();
        if (this.lastFeed) this.feed(this.lastFeed);
      }, wait);
      this.restartTimer.unref();
    });
  }

  /** The lease's time left, the stop grace and the agent's running job groups. */
  feed(f: Feed): void {
    this.lastFeed = f;
    const stdin = this.child?.stdin;
    // A keeper that stopped reading (it should never) is not fed past a few KiB: its silence fences, as designed.
    if (!stdin || stdin.destroyed || stdin.writableLength > 4096) return;
    stdin.write(`${formatFeed(f)}\n`);
  }

  /** The agent stops normally: the keeper exits without signalling anything. Resolves once it has exited. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.once('error', () => resolve()); });
    if (!child.stdin!.destroyed) child.stdin!.end('exit\n');
    // It exits at once; should it hang, do not hold the agent's shutdown (it has nothing to signal anyway).
    let t: NodeJS.Timeout | undefined;
    const hung = new Promise<void>((resolve) => { t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 5000); });
    await Promise.race([exited, hung]);
    clearTimeout(t);
  }
}
