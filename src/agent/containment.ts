// Keeps a job inside what it was given, measured over every process it started, not only its leader: the leader's
// tree plus every process still in its process group (a child whose parent exited is re-parented to init and drops out
// of the tree, but keeps the group). Three limits:
//   - processes: more than `maxProcesses` live processes (a fork bomb) → stop the job;
//   - memory: RSS summed over all of them above `memLimitMiB` → stop the job;
//   - CPUs: a process whose affinity reaches outside the job's CPUs (it called taskset or sched_setaffinity itself) is
//     pinned back to them, so spinning on more threads than assigned only shares the assigned CPUs.
// Linux /proc only; a cgroup (pids.max, memory.max, cpuset) would be stricter (no sampling gap) where the agent may
// create one — see docs/agent.md.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpuTicks, processTree, rssKiB, statFields } from './proc-stats.ts';

export interface ContainmentLimits {
  /** Most live processes the job may have at once (leader included). */
  readonly maxProcesses?: number;
  readonly memLimitMiB?: number;
  /** Host CPUs the job is pinned to; empty or undefined: not pinned. */
  readonly cpuSet?: readonly number[];
  /** Path of `taskset`, used to pin escaped processes back. */
  readonly taskset?: string;
}

export interface ContainmentSample {
  readonly processes: number;
  readonly cpuTicks: number;
  readonly rssKiB: number;
  /** Processes found outside the job's CPUs and pinned back during this check. */
  readonly repinned: readonly number[];
  /** Why the job must be stopped, when it broke a limit. */
  readonly violation?: string;
}

/** Process group id of a process (field 5 of /proc/<pid>/stat), or undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  const rest = statFields(pid);
  // pgrp is field 5. Gone or a zombie: holds no resources and is not counted.
  if (rest === undefined || rest[0] === 'Z') return undefined;
  return Number(rest[2]);
}

/** Process group → its live members, from one pass over /proc, shared by the jobs sampled in the same tick. */
let groups: { atMs: number; members: Map<number, number[]> } | undefined;
const GROUP_SCAN_REUSE_MS = 100;

function groupMembers(pgid: number, nowMs: number): number[] {
  if (!groups || nowMs - groups.atMs > GROUP_SCAN_REUSE_MS || nowMs < groups.atMs) {
    const members = new Map<number, number[]>();
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      const g = processGroupOf(pid);
      if (g === undefined) continue;
      const list = members.get(g);
      if (list) list.push(pid);
      else members.set(g, [pid]);
    }
    groups = { atMs: nowMs, members };
  }
  return groups.members.get(pgid) ?? [];
}

/**
 * Live processes of the job: the leader's tree plus every process in its process group (the leader's pid). The group
 * scan is one pass over /proc reused for GROUP_SCAN_REUSE_MS, so an agent with many jobs reads /proc once per tick.
 */
export function jobPids(leaderPid: number, nowMs = Date.now()): number[] {
  const out = new Set(processTree(leaderPid).filter((p) => processGroupOf(p) !== undefined));
  for (const pid of groupMembers(leaderPid, nowMs)) out.add(pid);
  return [...out];
}

/** Parses a kernel CPU list such as `0-3,6`. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

function allowedCpus(pid: number): number[] | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // Gone: nothing to pin.
    return undefined;
  }
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
  return m ? parseCpuList(m[1]!) : undefined;
}

export class Containment {
  private readonly cpuSet: ReadonlySet<number>;

  constructor(private readonly limits: ContainmentLimits) {
    this.cpuSet = new Set(limits.cpuSet ?? []);
  }

  /** Measures the job and applies the limits; the caller stops the job when `violation` is set. */
  check(leaderPid: number, nowMs = Date.now()): ContainmentSample {
    const pids = jobPids(leaderPid, nowMs);
    let ticks = 0;
    let rss = 0;
    let live = 0;
    const repinned: number[] = [];
    for (const pid of pids) {
      const t = cpuTicks(pid);
      const r = rssKiB(pid);
      if (t === undefined || r === undefined) continue;
      ticks += t;
      rss += r;
      live++;
      if (this.cpuSet.size > 0 && this.limits.taskset && this.repin(pid)) repinned.push(pid);
    }
    const { maxProcesses, memLimitMiB } = this.limits;
    let violation: string | undefined;
    if (maxProcesses !== undefined && live > maxProcesses) {
      violation = `process limit exceeded: ${live} processes > limit ${maxProcesses}`;
    } else if (memLimitMiB !== undefined && memLimitMiB > 0 && rss / 1024 > memLimitMiB) {
      violation = `memory limit exceeded: RSS ${Math.round(rss / 1024)} MiB > limit ${memLimitMiB} MiB, summed over ${live} process(es)`;
    }
    return { processes: live, cpuTicks: ticks, rssKiB: rss, repinned, ...(violation ? { violation } : {}) };
  }

  /** Pins every thread of `pid` back to the job's CPUs if it reaches outside them; true when it had to. */
  private repin(pid: number): boolean {
    const allowed = allowedCpus(pid);
    if (allowed === undefined || allowed.every((c) => this.cpuSet.has(c))) return false;
    try {
      execFileSync(this.limits.taskset!, ['-a', '-p', '-c', [...this.cpuSet].join(','), String(pid)], { stdio: 'ignore' });
    } catch (err) {
      // The process exited meanwhile (taskset fails on a missing pid): nothing is left to pin. Anything else is real.
      if (processGroupOf(pid) === undefined) return false;
      throw err;
    }
    return true;
  }
}
