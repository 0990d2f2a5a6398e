// Progress reporting: every event goes to the callbacks a library caller registers and, in a job process, to
// stdout as one JSON line (the job protocol, src/wire/job-progress.ts; the agent parses and forwards it).
import type { JobProgressEvent, JobProgressType, JobProgressOf } from '../wire/job-progress.ts';

type Body<T extends JobProgressType> = Omit<JobProgressOf<T>, 'fw' | 'jobId' | 'atMs' | 'type'>;

export type ProgressListener = (event: JobProgressEvent) => void;

export class ProgressReporter {
  private readonly listeners: ProgressListener[] = [];
  private netBytes: (() => number) | undefined;

  /**
   * @param jobId stamped on every event
   * @param write where JSON lines go (stdout in a job process); null to report only to listeners
   * @param nowMs the wall clock; injectable so tests can pin it
   */
  constructor(
    readonly jobId: string,
    // null, not undefined, means "no stdout": an undefined argument would silently select the default.
    private readonly write: ((line: string) => void) | null = (line) => process.stdout.write(line),
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Every line also carries `netBytes` from this counter (a job process: src/sdk/net-counter.ts). */
  withNetBytes(counter: () => number): this {
    this.netBytes = counter;
    return this;
  }

  onEvent(listener: ProgressListener): this {
    this.listeners.push(listener);
    return this;
  }

  emit<T extends JobProgressType>(type: T, body: Body<T>): JobProgressOf<T> {
    const event = { fw: 1, type, jobId: this.jobId, atMs: this.nowMs(), ...(this.netBytes ? { netBytes: this.netBytes() } : {}), ...body } as unknown as JobProgressOf<T>;
    // JSON.stringify writes NaN/Infinity as null; say so explicitly so the line and the listeners' event agree.
    for (const [k, v] of Object.entries(event)) {
      if (typeof v === 'number' && !Number.isFinite(v)) (event as Record<string, unknown>)[k] = null;
    }
    this.write?.(`${JSON.stringify(event)}\n`);
    for (const l of this.listeners) l(event);
    return event;
  }
}
