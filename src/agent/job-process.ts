// One job process on this node: spawned in its own process group (so a stop reaches every process it started),
// pinned to CPUs with `taskset` when available, given its GPUs through CUDA_VISIBLE_DEVICES, its output split into
// lines, and its memory watched: past the limit the whole group is killed with a reason that says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { RateMeter, CLOCK_TICKS_PER_S } from './proc-stats.ts';
import { Containment } from './containment.ts';

export interface LaunchSpec {
  readonly jobId: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Host CPUs to pin to (taskset -c); undefined or empty: no pinning. */
  readonly cpuSet?: readonly number[];
  readonly gpuIndices?: readonly number[];
  /** RSS of all the job's processes above this is a stop with reason `memory limit exceeded`. */
  readonly memLimitMiB?: number;
  /** More live processes than this (a fork bomb) is a stop with reason `process limit exceeded`. */
  readonly maxProcesses?: number;
  readonly cwd?: string;
  /** Path of `taskset`, or undefined when this host has none. */
  readonly taskset?: string;
}

export interface JobProcessHandlers {
  readonly onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  readonly onExit: (exitCode: number, reason: string | undefined) => void;
}

export interface JobSample {
  readonly cpuCores: number;
  readonly rssMiB: number;
}

/** Exit code of a command that could not be found (as a shell reports it). */
export const EXIT_NOT_FOUND = 127;
const MAX_LINE_CHARS = 16_000;
const LAST_LINES = 20;
const STOP_GRACE_MS = 10_000;

/** Finds an executable on PATH (or checks a path); undefined when there is none. */
export function whichSync(cmd: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const candidates = cmd.includes('/') ? [isAbsolute(cmd) ? cmd : join(process.cwd(), cmd)] : pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // Not here (or not executable): try the next directory on PATH.
    }
  }
  return undefined;
}

export class JobProcess {
  readonly jobId: string;
  readonly startedAtMs: number;
  private child: ChildProcess | undefined;
  private readonly lastLines: string[] = [];
  private killReason: string | undefined;
  private exited = false;
  private readonly meter = new RateMeter();
  private killTimer: NodeJS.Timeout | undefined;
  private lifeline: Socket | undefined;
  private readonly containment: Containment;
  peakRssMiB = 0;

  constructor(private readonly spec: LaunchSpec, private readonly handlers: JobProcessHandlers, nowMs = Date.now()) {
    this.jobId = spec.jobId;
    this.startedAtMs = nowMs;
    this.containment = new Containment({
      ...(spec.maxProcesses !== undefined ? { maxProcesses: spec.maxProcesses } : {}),
      ...(spec.memLimitMiB !== undefined ? { memLimitMiB: spec.memLimitMiB } : {}),
      ...(spec.cpuSet !== undefined ? { cpuSet: spec.cpuSet } : {}),
      ...(spec.taskset !== undefined ? { taskset: spec.taskset } : {}),
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get done(): boolean {
    return this.exited;
  }

  /** Starts the process; a command that cannot run is reported through onExit (127), not thrown. */
  start(): void {
    const [cmd, ...args] = this.spec.command;
    const env = { ...process.env, ...this.spec.env };
    if (!cmd || whichSync(cmd, env.PATH) === undefined) {
      this.finish(EXIT_NOT_FOUND, `command not found: ${JSON.stringify(cmd ?? '')}`);
      return;
    }
    if (this.spec.gpuIndices !== undefined) env.CUDA_VISIBLE_DEVICES = this.spec.gpuIndices.join(',');
    const pin = this.spec.taskset && this.spec.cpuSet && this.spec.cpuSet.length > 0;
    const argv = pin ? [this.spec.taskset!, '-c', this.spec.cpuSet!.join(','), cmd, ...args] : [cmd, ...args];
    // fd 3: one end of a socket pair whose other end only this agent holds. The kernel closes it when the agent
    // dies, however it dies, so the job (src/sdk/parent-watch.ts) can notice and stop instead of running on orphaned.
    env.FAIRWAY_AGENT_FD = '3';
    const child = spawn(argv[0]!, argv.slice(1), { cwd: this.spec.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = createInterface({ input: child[stream]!, crlfDelay: Infinity });
      rl.on('line', (raw) => {
        const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}… (${raw.length} chars)` : raw;
        this.lastLines.push(line);
        if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
        this.handlers.onLine(stream, line);
      });
    }
    child.on('error', (err) => {
      // spawn failures (EACCES, ENOENT raced with our check) arrive here instead of 'close'.
      this.finish(EXIT_NOT_FOUND, `could not start ${JSON.stringify(cmd)}: ${err.message}`);
    });
    const lifeline = child.stdio[3] as Socket | null;
    // A job that closes its end (or exits) must not take the agent down with an unhandled socket error.
    lifeline?.on('error', () => { /* the job closed its end; its exit is reported through 'close' */ });
    this.lifeline = lifeline ?? undefined;
    child.on('close', (code, signal) => {
      lifeline?.destroy();
      const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      let reason = this.killReason;
      if (reason === undefined && exitCode !== 0) {
        reason = `exit code ${exitCode}${signal ? ` (${signal})` : ''}`;
      }
      if (reason !== undefined && exitCode !== 0) reason = withTail(reason, this.lastLines);
      this.finish(exitCode, reason);
    });
  }

  private finish(exitCode: number, reason: string | undefined): void {
    if (this.exited) return;
    this.exited = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.handlers.onExit(exitCode, reason);
  }

  /**
   * Samples CPU and RSS over all the job's processes and applies its limits (containment.ts): past the process or
   * memory limit the whole group is killed with the reason; processes that left the job's CPUs are pinned back (and
   * the job's log says so). Undefined once it has exited.
   */
  sample(nowMs: number): JobSample | undefined {
    const pid = this.child?.pid;
    if (this.exited || pid === undefined) return undefined;
    const u = this.containment.check(pid, nowMs);
    const rssMiB = Math.round(u.rssKiB / 1024);
    this.peakRssMiB = Math.max(this.peakRssMiB, rssMiB);
    const cpuCores = this.meter.rate('cpu', u.cpuTicks, nowMs) / CLOCK_TICKS_PER_S;
    if (u.repinned.length > 0) {
      this.handlers.onLine('stderr', `[fairway] pinned process(es) ${u.repinned.join(',')} back to CPUs ${this.spec.cpuSet!.join(',')}`);
    }
    if (u.violation !== undefined && this.killReason === undefined) this.kill('SIGKILL', u.violation);
    return { cpuCores, rssMiB };
  }

  /** Sends a signal to the whole process group (checkpoint: SIGUSR1, migrate: SIGUSR2, preempt: SIGTERM). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (this.exited || pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch (err) {
      // ESRCH: the group is already gone; its 'close' event reports the exit.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /**
   * Lease keepalive (src/agent/lease.ts): tells an SDK job on its fd-3 socket how much longer it may run, as
   * `<remaining ms>\n`. A job that does not read the socket (no SDK) is not fed past a few KiB of backlog.
   */
  keepalive(remainingMs: number): void {
    const l = this.lifeline;
    if (this.exited || !l || l.destroyed || l.writableLength > 4096) return;
    l.write(`${Math.max(0, Math.floor(remainingMs))}\n`);
  }

  /** Kills the group with `sig`, recording why; a graceful signal escalates to SIGKILL after a grace period. */
  kill(sig: NodeJS.Signals, reason: string, graceMs = STOP_GRACE_MS): void {
    this.killReason ??= reason;
    this.signal(sig);
    if (sig !== 'SIGKILL' && !this.killTimer) {
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      this.killTimer.unref();
    }
  }

  /** Asks the job to stop gracefully (it may checkpoint), then kills it after the grace period. */
  stop(sig: NodeJS.Signals, reason: string, graceMs = STOP_GRACE_MS): void {
    this.kill(sig, reason, graceMs);
  }
}

/** A reason followed by the last log lines, cut to the 1000 characters the wire allows. */
export function withTail(reason: string, lines: readonly string[]): string {
  const max = 1000;
  let tail = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = `${lines[i]}\n${tail}`;
    if (reason.length + 16 + next.length > max) break;
    tail = next;
  }
  const out = tail ? `${reason}; last lines:\n${tail.trimEnd()}` : reason;
  return out.slice(0, max);
}
