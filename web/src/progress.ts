// Live progress of running jobs, read from their logs: training processes print `fw: 1` JSON lines (docs/sdk.md)
// that the agent forwards; the shared parser in src/wire tells them from ordinary output.
import { parseProgressLine } from '../../src/wire/job-progress.ts';
import type { LogList } from '../../src/wire/schemas.ts';
import type { Api } from './api.ts';

export interface JobProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  samplesPerS: number;
  /** (step, loss, accuracy) per progress line, for the curves; null where the job reported a non-finite value. */
  steps: number[];
  loss: (number | null)[];
  accuracy: (number | null)[];
  testAccuracy: number | null;
  phase: string;
  model: string | null;
  lastSeq: number;
  /** The newest line applied (its job-side time and text): a line met again, from the logs and the stream, counts once. */
  lastAtMs: number;
  lastLine: string;
}

export function emptyProgress(): JobProgress {
  return { step: 0, totalSteps: 0, epoch: 0, samplesPerS: 0, steps: [], loss: [], accuracy: [], testAccuracy: null, phase: 'waiting for output', model: null, lastSeq: 0, lastAtMs: -Infinity, lastLine: '' };
}

/** Folds one log line into the job's progress; returns whether it was a progress line. */
export function applyLine(p: JobProgress, line: string): boolean {
  const parsed = parseProgressLine(line);
  if (!parsed || !('event' in parsed)) return false;
  const e = parsed.event;
  // Lines come from two places (the log catch-up and the event stream) that may overlap: apply each once, in order.
  if (e.atMs < p.lastAtMs || (e.atMs === p.lastAtMs && line === p.lastLine)) return true;
  p.lastAtMs = e.atMs;
  p.lastLine = line;
  switch (e.type) {
    case 'start':
      p.totalSteps = e.totalSteps;
      p.model = e.model;
      p.phase = e.resumedFromStep !== null ? `resumed at step ${e.resumedFromStep}` : 'training';
      if (e.resumedFromStep !== null) p.step = e.resumedFromStep;
      break;
    case 'progress':
      p.step = e.step;
      p.totalSteps = e.totalSteps;
      p.epoch = e.epoch;
      p.samplesPerS = e.samplesPerS ?? p.samplesPerS;
      p.steps.push(e.step);
      p.loss.push(e.loss);
      p.accuracy.push(e.accuracy);
      p.phase = 'training';
      break;
    case 'eval':
      p.testAccuracy = e.testAccuracy;
      break;
    case 'checkpoint':
      p.phase = `checkpoint v${e.version} (${e.reason})`;
      break;
    case 'restore':
      p.step = e.step;
      p.phase = `restored v${e.version}`;
      break;
    case 'stopped':
      p.phase = `stopped (${e.reason})`;
      break;
    case 'done':
      p.step = p.totalSteps || e.step;
      p.testAccuracy = e.testAccuracy;
      p.samplesPerS = e.samplesPerS ?? p.samplesPerS;
      p.phase = 'done';
      break;
    case 'error':
      p.phase = `error: ${e.code}`;
      break;
  }
  return true;
}

/** Fetches the log lines after what was already read and folds them in. */
export async function pollProgress(api: Api, jobId: string, p: JobProgress): Promise<void> {
  for (let pages = 0; pages < 20; pages++) {
    const page = await api.get<LogList>(`/v1/jobs/${encodeURIComponent(jobId)}/logs?after=${p.lastSeq}&limit=1000`);
    for (const l of page.lines) {
      p.lastSeq = Math.max(p.lastSeq, l.seq);
      if (l.stream === 'stdout') applyLine(p, l.line);
    }
    if (page.nextCursor === null) return;
  }
}
