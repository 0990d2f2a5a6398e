// A job must not outlive the agent that launched it: once the coordinator notices the node is gone it runs the job
// elsewhere, and an orphan left running here would train the same job twice (and race it for its checkpoints).
// The agent hands every job one end of a socket pair (fd FAIRWAY_AGENT_FD, normally 3) and keeps the other; the
// kernel closes the agent's end when the agent dies, however it dies (kill -9 included), so the job sees EOF. As a
// second sign the job polls its parent pid (a dead parent re-parents it). Either way the job stops like a
// preemption — checkpoint, `stopped` line with reason `orphaned`, exit 75 — and the next incarnation resumes from
// that checkpoint. Writes to the dead agent's stdout pipe fail with EPIPE from then on; they are dropped, not fatal.
// A FROZEN agent (SIGSTOP) or one cut off from the coordinator keeps its socket open, yet the coordinator will declare
// its node lost and run the job elsewhere. So with a lease (FAIRWAY_LEASE_MS, src/agent/lease.ts) the agent writes
// `<remaining lease ms>\n` on the socket every quarter lease while its lease is fresh; when the time it last granted
// runs out with no new keepalive, the job stops the same way, with reason `lease-expired`, well before the node
// timeout. A program that does not use the SDK cannot do this; only the agent's own stop (when it is alive) fences it.
import { Socket } from 'node:net';
import type { JobControl } from './job-control.ts';

export interface ParentWatchOptions {
  /** The socket fd from the agent (FAIRWAY_AGENT_FD); undefined: only the parent pid is watched. */
  readonly fd?: number;
  /** How often the parent pid is checked. */
  readonly pollMs?: number;
  readonly proc?: NodeJS.Process;
  /**
   * The agent's lease (FAIRWAY_LEASE_MS): with `fd`, keepalives on the socket must keep coming, each granting the
   * remaining lease it names (at most this); none for that long stops the job with reason `lease-expired`.
   */
  readonly leaseMs?: number;
  /** Clock for the lease (tests). */
  readonly now?: () => number;
  /** Told once why the job is stopping (a line on stderr in a job process). */
  readonly onOrphaned?: (why: string) => void;
}

/** Starts watching; returns a function that stops watching. Nothing here keeps the process alive. */
export function watchParent(control: JobControl, o: ParentWatchOptions = {}): () => void {
  const proc = o.proc ?? process;
  let fired = false;
  const orphaned = (why: string, reason: 'orphaned' | 'lease-expired' = 'orphaned'): void => {
    if (fired) return;
    fired = true;
    o.onOrphaned?.(why);
    control.requestStop(reason);
  };
  const cleanups: (() => void)[] = [];

  if (o.fd !== undefined) {
    const sock = new Socket({ fd: o.fd, readable: true, writable: false });
    const lease = o.leaseMs !== undefined && o.leaseMs > 0 ? leaseWatch(o.leaseMs, o.now ?? Date.now, (why) => orphaned(why, 'lease-expired')) : undefined;
    if (lease) cleanups.push(() => lease.stop());
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => lease?.feed(chunk));
    sock.on('end', () => orphaned('the agent closed its end of the job socket (agent gone)'));
    sock.on('error', (err) => orphaned(`the agent's job socket failed: ${err.message}`));
    sock.unref();
    cleanups.push(() => sock.destroy());
  }

  const parent = proc.ppid;
  const timer = setInterval(() => {
    if (proc.ppid !== parent) orphaned(`the parent process ${parent} is gone (re-parented to ${proc.ppid})`);
  }, o.pollMs ?? 1000);
  timer.unref();
  cleanups.push(() => clearInterval(timer));

  // After the agent dies its end of our stdout/stderr pipes is closed: drop EPIPE instead of crashing mid-checkpoint.
  for (const stream of [proc.stdout, proc.stderr]) {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'EPIPE') throw err;
      orphaned('stdout/stderr pipe closed (agent gone)');
    };
    stream.on('error', onError);
    cleanups.push(() => stream.off('error', onError));
  }
  return () => { for (const c of cleanups) c(); };
}

/**
 * The job's side of the lease: a deadline moved forward by each keepalive line (`<remaining ms>`, capped at the
 * lease), and a timer that fires at the deadline. Exported for tests; `feed` takes raw socket text.
 */
export function leaseWatch(leaseMs: number, now: () => number, expired: (why: string) => void): { feed(text: string): void; stop(): void; readonly deadlineMs: number } {
  let buffered = '';
  let deadlineMs = now() + leaseMs;
  let lastAtMs = now();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    if (done) return;
    timer = setTimeout(check, Math.max(0, deadlineMs - now()));
    timer.unref();
  };
  const check = (): void => {
    if (done) return;
    const t = now();
    if (t < deadlineMs) { arm(); return; }
    done = true;
    expired(`no lease keepalive from the agent for ${t - lastAtMs} ms (lease ${leaseMs} ms): the agent is frozen or cut off from the coordinator, which may run this job elsewhere`);
  };
  arm();
  return {
    feed(text: string): void {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (buffered.length > 64) buffered = '';
      for (const line of lines) {
        if (!/^\d{1,12}$/.test(line.trim())) continue;
        const t = now();
        lastAtMs = t;
        deadlineMs = t + Math.min(leaseMs, Number(line.trim()));
      }
      check();
    },
    stop(): void {
      done = true;
      if (timer) clearTimeout(timer);
    },
    get deadlineMs() { return deadlineMs; },
  };
}
