// Reads what a process tree uses from /proc (Linux): CPU ticks, resident memory and, for the node, network bytes.
// We read /proc ourselves because it measures exactly the processes we launched (a general-purpose library measured
// the wrong process here). Everything returns `undefined` for a process that is gone: exits race with sampling.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime/stime; 100 on every Linux we target (USER_HZ). */
export const CLOCK_TICKS_PER_S = 100;

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // A process that exited between listing and reading is a normal race, not an error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw err;
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name: index 0 is field 3 (state), so field N is at N − 3.
 * Undefined for a process that is gone. The command name (field 2) may contain spaces and parentheses; the fields
 * after its last ')' are fixed.
 */
export function statFields(pid: number): string[] | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of one process in clock ticks. */
export function cpuTicks(pid: number): number | undefined {
  const rest = statFields(pid);
  if (rest === undefined) return undefined;
  // utime is field 14, stime field 15.
  return Number(rest[11]) + Number(rest[12]);
}

/** Resident set size in KiB (VmRSS of /proc/<pid>/status); 0 for a zombie. */
export function rssKiB(pid: number): number | undefined {
  const status = readOrUndefined(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

/** Direct children of a process, from every thread's `children` file. */
export function childPids(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    // Gone (or never existed): a leaf.
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    const c = readOrUndefined(`/proc/${pid}/task/${t}/children`);
    if (c) for (const s of c.trim().split(/\s+/)) if (s) out.push(Number(s));
  }
  return out;
}

/** The process and all its descendants. */
export function processTree(rootPid: number): number[] {
  const out: number[] = [];
  const stack = [rootPid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    stack.push(...childPids(pid));
  }
  return out;
}

export interface TreeUsage {
  /** CPU ticks of the live processes of the tree (cumulative since each started). */
  readonly cpuTicks: number;
  readonly rssKiB: number;
  readonly pids: number;
}

/** Sums CPU ticks and RSS over a process tree. */
export function treeUsage(rootPid: number): TreeUsage {
  let ticks = 0;
  let rss = 0;
  let pids = 0;
  for (const pid of processTree(rootPid)) {
    const t = cpuTicks(pid);
    const r = rssKiB(pid);
    if (t === undefined || r === undefined) continue;
    ticks += t;
    rss += r;
    pids++;
  }
  return { cpuTicks: ticks, rssKiB: rss, pids };
}

/** Received + transmitted bytes over all non-loopback interfaces, as /proc/<pid>/net/dev sees its network namespace. */
export function netBytes(pid: number | 'self' = 'self'): number {
  const dev = readOrUndefined(`/proc/${pid}/net/dev`);
  if (dev === undefined) return 0;
  let total = 0;
  for (const line of dev.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name!.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    total += (f[0] ?? 0) + (f[8] ?? 0);
  }
  return total;
}

/** Total CPU ticks of the whole machine (all cores, busy + idle) and its busy part, from /proc/stat. */
export function hostCpuTicks(): { busy: number; total: number } {
  const stat = readFileSync('/proc/stat', 'utf8');
  const f = stat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Turns cumulative counters into rates between two samples: CPU cores used (ticks per second / CLOCK_TICKS_PER_S).
 * Keyed by an id so the agent keeps one per job.
 */
export class RateMeter {
  private readonly last = new Map<string, { value: number; atMs: number }>();

  rate(key: string, value: number, atMs: number): number {
    const prev = this.last.get(key);
    this.last.set(key, { value, atMs });
    if (!prev || atMs <= prev.atMs || value < prev.value) return 0;
    return ((value - prev.value) * 1000) / (atMs - prev.atMs);
  }

  forget(key: string): void {
    this.last.delete(key);
  }
}
