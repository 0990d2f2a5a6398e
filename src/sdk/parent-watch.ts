// A job must not outlive the agent that launched it: once the coordinator notices the node is gone it runs the job
// elsewhere, and an orphan left running here would train the same job twice (and race it for its checkpoints).
// The agent hands every job one end of a socket pair (fd FAIRWAY_AGENT_FD, normally 3) and keeps the other; the
// kernel closes the agent's end when the agent dies, however it dies (kill -9 included), so the job sees EOF. As a
// second sign the job polls its parent pid (a dead parent re-parents it). Either way the job stops like a
// preemption — checkpoint, `stopped` line with reason `orphaned`, exit 75 — and the next incarnation resumes from
// that checkpoint. Writes to the dead agent's stdout pipe fail with EPIPE from then on; they are dropped, not fatal.
import { Socket } from 'node:net';
import type { JobControl } from './job-control.ts';

export interface ParentWatchOptions {
  /** The socket fd from the agent (FAIRWAY_AGENT_FD); undefined: only the parent pid is watched. */
  readonly fd?: number;
  /** How often the parent pid is checked. */
  readonly pollMs?: number;
  readonly proc?: NodeJS.Process;
  /** Told once why the job is stopping (a line on stderr in a job process). */
  readonly onOrphaned?: (why: string) => void;
}

/** Starts watching; returns a function that stops watching. Nothing here keeps the process alive. */
export function watchParent(control: JobControl, o: ParentWatchOptions = {}): () => void {
  const proc = o.proc ?? process;
  let fired = false;
  const orphaned = (why: string): void => {
    if (fired) return;
    fired = true;
    o.onOrphaned?.(why);
    control.requestStop('orphaned');
  };
  const cleanups: (() => void)[] = [];

  if (o.fd !== undefined) {
    const sock = new Socket({ fd: o.fd, readable: true, writable: false });
    sock.on('data', () => { /* the agent sends nothing; reading is only how EOF is noticed */ });
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
