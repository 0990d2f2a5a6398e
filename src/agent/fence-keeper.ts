// The fence keeper: a small process, one per agent, that stops the agent's jobs when the agent itself cannot.
// A FROZEN agent (SIGSTOP, a long GC or swap stall) cannot stop its jobs when its lease (lease.ts) runs out, and a job
// without the SDK does not watch the lease keepalives on fd 3, so it would run on after the coordinator declared the
// node lost and started the job elsewhere: two copies at once. An agent killed with -9 leaves such a job running too.
// So the agent starts this process in its own process group (a SIGSTOP or SIGKILL aimed at the agent or its group
// does not reach it) and, on every keepalive tick while its lease is fresh, writes it one line on stdin:
//   feed <time left on the lease, ms> <stop grace, ms> <pgid>:<start ticks> …   (the agent's running job groups)
// If no feed comes for longer than the time left (agent frozen), the keeper SIGTERMs those groups and SIGKILLs what is
// left of them once the grace is over: the deadline the lease already promises (L + G ≤ 0.8·T), so the copy is gone
// before the coordinator may relaunch the job. EOF on stdin (the agent died) does the same, without waiting for the
// lease. The line `exit` (the agent stopping normally; it stops its jobs itself) ends the keeper without a signal.
// SDK jobs see the same silence (or EOF) on fd 3 and stop themselves with a checkpoint; the keeper's SIGTERM comes a
// quarter of the grace later, so an SDK job stops as "lease-expired"/"orphaned" rather than "preempted", and a SIGTERM
// reaching one that is already checkpointing asks for what it is already doing. The SIGKILL still lands at L + G.
// Only groups named in the latest feed are signalled, and only while their leader is the process the agent started
// (same start time in /proc/<pgid>/stat, zombies included: a frozen agent cannot reap), so a reused pid is never hit
// and a later agent's jobs (never in this keeper's feed) are never touched. Time is monotonic (performance.now).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export interface FenceGroup {
  /** Process group id (the job's leader pid: jobs are spawned detached). */
  readonly pgid: number;
  /** The leader's start time, /proc/<pid>/stat field 22. */
  readonly startTicks: number;
}

export interface Feed {
  readonly leftMs: number;
  readonly graceMs: number;
  readonly groups: readonly FenceGroup[];
}

/** One feed line (without the newline). */
export function formatFeed(f: Feed): string {
  return ['feed', Math.max(0, Math.floor(f.leftMs)), Math.max(0, Math.floor(f.graceMs)), ...f.groups.map((g) => `${g.pgid}:${g.startTicks}`)].join(' ');
}

/** A line from the agent: a feed, `exit`, or undefined for anything malformed (ignored, never acted on). */
export function parseLine(line: string): Feed | 'exit' | undefined {
  const parts = line.trim().split(/\s+/);
  if (parts[0] === 'exit' && parts.length === 1) return 'exit';
  if (parts[0] !== 'feed' || parts.length < 3) return undefined;
  const num = (s: string | undefined): number | undefined => (s !== undefined && /^\d{1,12}$/.test(s) ? Number(s) : undefined);
  const leftMs = num(parts[1]);
  const graceMs = num(parts[2]);
  if (leftMs === undefined || graceMs === undefined) return undefined;
  const groups: FenceGroup[] = [];
  for (const p of parts.slice(3)) {
    const [a, b, extra] = p.split(':');
    const pgid = num(a);
    const startTicks = num(b);
    // pgid 0 or 1 would signal our own group or everything: never.
    if (pgid === undefined || startTicks === undefined || extra !== undefined || pgid < 2) return undefined;
    groups.push({ pgid, startTicks });
  }
  return { leftMs, graceMs, groups };
}

/** Start time of a process (any state, zombie included); undefined when there is no such pid. */
function startTicksOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No such process (ENOENT/ESRCH): nothing of ours to signal.
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

export class FenceKeeper {
  private feed: Feed | undefined;
  private deadlineAtMs = 0;
  /** The next SIGTERM: the lease deadline (plus the SDK's head start), or the head start after EOF. */
  private termTimer: NodeJS.Timeout | undefined;
  /** SIGKILLs due at the end of a grace, with the groups they are for. */
  private readonly kills = new Map<NodeJS.Timeout, readonly FenceGroup[]>();

  constructor(private readonly log: (line: string) => void, private readonly now: () => number = () => performance.now()) {}

  onFeed(f: Feed): void {
    this.feed = f;
    const deadlineAtMs = this.now() + f.leftMs;
    this.deadlineAtMs = deadlineAtMs;
    const waitMs = f.leftMs + headStartMs(f.graceMs);
    this.armTerm(waitMs, () => this.fence(f, `no feed from the agent for ${waitMs} ms (lease time left ${f.leftMs} ms): the agent is frozen`, deadlineAtMs + f.graceMs));
  }

  /**
   * The agent died: stop its jobs now (after the SDK's head start) and SIGKILL what is left once the grace is over,
   * counted from the lease's deadline if that is later (an SDK job checkpointing on EOF may use the time it was
   * promised). `done` is called once nothing is left to signal.
   */
  onEof(done: () => void): void {
    const f = this.feed;
    if (this.termTimer) clearTimeout(this.termTimer);
    this.termTimer = undefined;
    if (f !== undefined && f.groups.length > 0) {
      const killAtMs = Math.max(this.deadlineAtMs, this.now()) + f.graceMs;
      this.armTerm(headStartMs(f.graceMs), () => this.fence(f, 'the agent is gone (its end of the feed closed)', killAtMs));
    }
    this.whenIdle(done);
  }

  /** The agent stops normally and stops its jobs itself: drop every timer, signal nothing. */
  onExit(): void {
    if (this.termTimer) clearTimeout(this.termTimer);
    this.termTimer = undefined;
    for (const t of this.kills.keys()) clearTimeout(t);
    this.kills.clear();
  }

  private armTerm(ms: number, fn: () => void): void {
    if (this.termTimer) clearTimeout(this.termTimer);
    this.termTimer = setTimeout(() => { this.termTimer = undefined; fn(); }, ms);
  }

  /** SIGTERM to the fed groups still led by the agent's processes; SIGKILL to those still there at `killAtMs`. */
  private fence(f: Feed, why: string, killAtMs: number): void {
    const ours = f.groups.filter(isOurs);
    if (ours.length === 0) return;
    this.log(`${why}; SIGTERM to job process group(s) ${ours.map((g) => g.pgid).join(', ')}, SIGKILL to what is left in ${Math.max(0, Math.round(killAtMs - this.now()))} ms`);
    for (const g of ours) signalGroup(g, 'SIGTERM', this.log);
    const t = setTimeout(() => {
      this.kills.delete(t);
      const left = ours.filter(isOurs);
      if (left.length === 0) return;
      this.log(`job process group(s) ${left.map((g) => g.pgid).join(', ')} still there after the grace: SIGKILL`);
      for (const g of left) signalGroup(g, 'SIGKILL', this.log);
    }, Math.max(0, killAtMs - this.now()));
    this.kills.set(t, ours);
  }

  /** Calls `done` once no SIGTERM is due and every fenced group is gone (or has been SIGKILLed). */
  private whenIdle(done: () => void): void {
    if (this.termTimer === undefined && ![...this.kills.values()].some((gs) => gs.some(isOurs))) {
      this.onExit();
      done();
      return;
    }
    setTimeout(() => this.whenIdle(done), 50);
  }
}

/** Still the process the agent started: same start time (a zombie counts: its pid, so its group id, is not reused). */
function isOurs(g: FenceGroup): boolean {
  return startTicksOf(g.pgid) === g.startTicks;
}

/** How much later than the lease deadline the keeper's SIGTERM comes: SDK jobs fence themselves first. */
export function headStartMs(graceMs: number): number {
  return Math.floor(graceMs / 4);
}

function signalGroup(g: FenceGroup, sig: NodeJS.Signals, log: (line: string) => void): void {
  try {
    process.kill(-g.pgid, sig);
  } catch (err) {
    // ESRCH: the group ended between the check and the signal. Anything else (EPERM) is worth a line, not a crash:
    // the other groups must still be stopped.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') log(`${sig} to group ${g.pgid} failed: ${(err as Error).message}`);
  }
}

/** The keeper process: feeds on stdin, log lines on stderr. */
export function runFenceKeeper(label: string): void {
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} [fence-keeper ${label}] ${line}\n`);
  };
  // stderr is the agent's: if the agent died and its reader with it, a failed log write must not stop the fencing.
  process.stderr.on('error', () => { /* nowhere left to log to */ });
  const keeper = new FenceKeeper(log);
  let exiting = false;
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (exiting) return;
    const m = parseLine(line);
    if (m === undefined) log(`ignored a malformed line: ${JSON.stringify(line.slice(0, 200))}`);
    else if (m === 'exit') {
      exiting = true;
      keeper.onExit();
      rl.close();
      process.stdin.destroy();
    } else keeper.onFeed(m);
  });
  rl.on('close', () => {
    if (exiting) return;
    exiting = true;
    keeper.onEof(() => process.exit(0));
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runFenceKeeper(process.argv[2] ?? String(process.ppid));
