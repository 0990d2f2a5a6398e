// The agent's record of the job processes it started, in its work dir, so that an agent restarted after a crash
// (kill -9, OOM) can stop job processes its previous incarnation left behind: the coordinator has rescheduled those
// jobs elsewhere, and they must not run twice. Each entry keeps the process's start time (/proc/<pid>/stat field
// 22), so a pid the kernel has since reused for an unrelated process is never signalled.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { statFields } from './proc-stats.ts';

export interface JobPidEntry {
  readonly jobId: string;
  /** Leader of the job's process group (jobs are spawned detached: pgid = pid). */
  readonly pid: number;
  readonly startTicks: number;
}

/** Start time of a process in clock ticks since boot; undefined when it is gone. */
export function processStartTicks(pid: number): number | undefined {
  const rest = statFields(pid);
  // starttime is field 22; a zombie is as good as gone.
  if (rest === undefined || rest[0] === 'Z') return undefined;
  return Number(rest[19]);
}

export class JobPidFile {
  private readonly entries = new Map<string, JobPidEntry>();

  constructor(readonly path: string) {}

  /** Entries left by a previous incarnation (none when the file is missing; a corrupt file is an error). */
  readPrevious(): JobPidEntry[] {
    if (!existsSync(this.path)) return [];
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as { jobs?: JobPidEntry[] };
    return (data.jobs ?? []).filter((e) => Number.isInteger(e.pid) && e.pid > 1 && Number.isInteger(e.startTicks));
  }

  add(jobId: string, pid: number): void {
    const startTicks = processStartTicks(pid);
    if (startTicks === undefined) return;
    this.entries.set(jobId, { jobId, pid, startTicks });
    this.save();
  }

  remove(jobId: string): void {
    if (this.entries.delete(jobId)) this.save();
  }

  /** Written to a temporary file and renamed, so a crash mid-write leaves the previous list. */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ jobs: [...this.entries.values()] }));
    renameSync(tmp, this.path);
  }
}

/**
 * Stops the job process groups a previous agent left running: SIGTERM (an SDK job checkpoints and exits 75), then
 * SIGKILL after `graceMs`. Returns the entries that were still alive.
 */
export async function reapStaleJobs(entries: readonly JobPidEntry[], graceMs = 10_000, log: (line: string) => void = () => {}): Promise<JobPidEntry[]> {
  const alive = entries.filter((e) => processStartTicks(e.pid) === e.startTicks);
  for (const e of alive) {
    log(`stopping job ${e.jobId} (pid ${e.pid}) left running by a previous agent`);
    signalGroup(e.pid, 'SIGTERM');
  }
  const deadline = Date.now() + graceMs;
  while (alive.some((e) => processStartTicks(e.pid) === e.startTicks) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const e of alive) {
    if (processStartTicks(e.pid) !== e.startTicks) continue;
    log(`job ${e.jobId} (pid ${e.pid}) did not stop within ${graceMs} ms: SIGKILL`);
    signalGroup(e.pid, 'SIGKILL');
  }
  return alive;
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch (err) {
    // ESRCH: the group ended meanwhile.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
