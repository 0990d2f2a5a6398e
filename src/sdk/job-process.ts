// The other side of the job protocol: starts a job process, parses its progress lines as they arrive, and sends it
// the protocol's requests as signals (docs/sdk.md). The node agent runs jobs through this; tests use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseProgressLine, type JobProgressEvent } from '../wire/job-progress.ts';

export interface JobProcessOptions {
  /** argv[0] and arguments, e.g. [process.execPath, '--import', 'tsx', 'examples/train-mlp.ts', '--epochs', '1']. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly onEvent?: (event: JobProgressEvent) => void;
  /** Ordinary stdout lines and malformed protocol lines (with the reason), for the job's log. */
  readonly onLog?: (line: string, stream: 'stdout' | 'stderr', invalid?: string) => void;
}

export interface JobExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: readonly JobProgressEvent[];
  /** The last lines of stderr (for a failure report). */
  readonly stderrTail: readonly string[];
}

const STDERR_TAIL_LINES = 40;

/** Splits a stream into lines, keeping the unfinished tail until more arrives or the stream ends. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
    end() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

export class JobProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<JobExit>;
  private readonly events: JobProgressEvent[] = [];

  constructor(options: JobProcessOptions) {
    const [file, ...args] = options.command;
    if (!file) throw new Error('JobProcess needs a command');
    this.child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderrTail: string[] = [];
    const out = lineSplitter((line) => {
      const parsed = parseProgressLine(line);
      if (parsed && 'event' in parsed) {
        this.events.push(parsed.event);
        options.onEvent?.(parsed.event);
      } else {
        options.onLog?.(line, 'stdout', parsed?.invalid);
      }
    });
    const err = lineSplitter((line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      options.onLog?.(line, 'stderr');
    });
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => out.push(c));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => err.push(c));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        out.end();
        err.end();
        resolve({ code, signal, events: this.events, stderrTail });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Checkpoint now and continue (SIGUSR1). */
  requestCheckpoint(): boolean {
    return this.child.kill('SIGUSR1');
  }

  /** Checkpoint and exit 75 for preemption (SIGTERM). */
  preempt(): boolean {
    return this.child.kill('SIGTERM');
  }

  /** Checkpoint and exit 75 so the job can resume on another node (SIGUSR2). */
  migrate(): boolean {
    return this.child.kill('SIGUSR2');
  }

  /** The latest event of a type seen so far. */
  last<T extends JobProgressEvent['type']>(type: T): Extract<JobProgressEvent, { type: T }> | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === type) return e as Extract<JobProgressEvent, { type: T }>;
    }
    return undefined;
  }
}
