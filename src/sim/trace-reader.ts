// Streaming reader for the normalised job schema of ../shared/traces (README "Job schema"). It reads line by line
// (gunzipping `.csv.gz`) and yields small batches, so memory stays bounded by the batch, not the trace length.
// Malformed rows (missing fields, negative durations, unknown units, rows out of time order) are reported with file
// and line and either skipped with a count (`onMalformed: 'skip'`) or fail the run (`'fail'`); never silently.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { basename } from 'node:path';
import { FairwayError } from '../core/util/errors.ts';

export const TRACE_STATUSES = ['COMPLETED', 'FAILED', 'KILLED', 'CENSORED', 'UNKNOWN'] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

/** One job row, in the trace's own units, validated. */
export interface TraceJob {
  readonly jobId: string;
  readonly tenant: string;
  readonly submitMs: number;
  readonly durationMs: number;
  readonly gpus: number;
  /** Share of each GPU used (1 = whole GPUs); 1 for CPU-only jobs. */
  readonly gpuFraction: number;
  readonly cpus?: number;
  readonly memGiB?: number;
  readonly priorityClass?: string;
  readonly status: TraceStatus;
  /** 1-based line number in the file (for messages). */
  readonly line: number;
}

/** A trace file that cannot be read as the schema says (bad header, or a bad row under `onMalformed: 'fail'`). */
export class TraceFormatError extends FairwayError {
  constructor(message: string, context: { file: string; line: number }) {
    super('trace_format', message, context);
  }
}

export interface MalformedReport {
  /** How many rows were skipped. */
  count: number;
  /** The first messages (`file:line: why`), at most `maxMessages`. */
  readonly messages: string[];
}

export interface TraceReadOptions {
  readonly onMalformed?: 'skip' | 'fail';
  /** Rows per yielded batch. */
  readonly batchSize?: number;
  /** Messages kept in the report (the count is always complete). */
  readonly maxMessages?: number;
}

const REQUIRED = ['job_id', 'tenant', 'submit_time_s', 'duration_s', 'num_gpus'] as const;
const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** Parses a non-negative number; rejects units ("10m", "5GB"), NaN and negatives with a message. */
function parseNumber(raw: string | undefined, field: string, opts: { integer?: boolean; required?: boolean }): number | undefined | string {
  if (raw === undefined || raw === '') return opts.required ? `missing ${field}` : undefined;
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return `${field} is not a plain number (unknown unit?): ${JSON.stringify(raw)}`;
  const v = Number(raw);
  if (!Number.isFinite(v)) return `${field} is not finite: ${raw}`;
  if (v < 0) return `${field} must not be negative: ${raw}`;
  if (opts.integer && !Number.isInteger(v)) return `${field} must be an integer: ${raw}`;
  return v;
}

/** Reads a job trace, yielding validated jobs in batches. `report` is filled in as rows are skipped. */
export async function* readTrace(path: string, report: MalformedReport, options: TraceReadOptions = {}): AsyncGenerator<TraceJob[]> {
  const onMalformed = options.onMalformed ?? 'skip';
  const batchSize = options.batchSize ?? 1024;
  const maxMessages = options.maxMessages ?? 20;
  const file = basename(path);
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let col: Record<string, number> | undefined;
  let lastSubmitMs = 0;
  const seen = new Set<string>();
  let batch: TraceJob[] = [];

  const bad = (why: string): void => {
    const msg = `${file}:${lineNo}: ${why}`;
    if (onMalformed === 'fail') throw new TraceFormatError(`malformed trace row: ${msg}`, { file, line: lineNo });
    report.count += 1;
    if (report.messages.length < maxMessages) report.messages.push(msg);
  };

  try {
    for await (const text of lines) {
      lineNo += 1;
      if (col === undefined) {
        const names = text.replace(/^\uFEFF/, '').split(',');
        col = Object.fromEntries(names.map((n, i) => [n.trim(), i]));
        const missing = REQUIRED.filter((n) => col?.[n] === undefined);
        if (missing.length > 0) throw new TraceFormatError(`${file}:1: header lacks column(s) ${missing.join(', ')}`, { file, line: 1 });
        continue;
      }
      if (text.trim() === '') continue;
      const cells = text.split(',');
      const get = (name: string): string | undefined => {
        const i = col?.[name];
        return i === undefined ? undefined : cells[i]?.trim();
      };
      const jobId = get('job_id') ?? '';
      const tenant = get('tenant') ?? '';
      if (!ID.test(jobId)) { bad(`job_id missing or invalid: ${JSON.stringify(jobId)}`); continue; }
      if (!ID.test(tenant)) { bad(`tenant missing or invalid: ${JSON.stringify(tenant)}`); continue; }
      if (seen.has(jobId)) { bad(`duplicate job_id ${jobId}`); continue; }
      const submit = parseNumber(get('submit_time_s'), 'submit_time_s', { required: true });
      const duration = parseNumber(get('duration_s'), 'duration_s', { required: true });
      const gpus = parseNumber(get('num_gpus'), 'num_gpus', { integer: true, required: true });
      const cpus = parseNumber(get('num_cpus'), 'num_cpus', {});
      const mem = parseNumber(get('memory_gb'), 'memory_gb', {});
      const frac = parseNumber(get('gpu_fraction'), 'gpu_fraction', {});
      const firstError = [submit, duration, gpus, cpus, mem, frac].find((v) => typeof v === 'string');
      if (typeof firstError === 'string') { bad(firstError); continue; }
      const submitMs = Math.round((submit as number) * 1000);
      if (submitMs < lastSubmitMs) { bad(`rows out of time order: submit_time_s ${String(submit)} after ${lastSubmitMs / 1000}`); continue; }
      if (frac !== undefined && ((frac as number) <= 0 || (frac as number) > 1)) { bad(`gpu_fraction must be in (0, 1]: ${String(frac)}`); continue; }
      const statusRaw = (get('status') ?? '') || 'UNKNOWN';
      if (!(TRACE_STATUSES as readonly string[]).includes(statusRaw)) { bad(`unknown status ${JSON.stringify(statusRaw)}`); continue; }
      const priorityClass = get('priority_class') || undefined;
      lastSubmitMs = submitMs;
      seen.add(jobId);
      batch.push({
        jobId, tenant, submitMs,
        durationMs: Math.round((duration as number) * 1000),
        gpus: gpus as number,
        gpuFraction: (frac as number | undefined) ?? 1,
        ...(cpus !== undefined ? { cpus: cpus as number } : {}),
        ...(mem !== undefined ? { memGiB: mem as number } : {}),
        ...(priorityClass ? { priorityClass } : {}),
        status: statusRaw as TraceStatus,
        line: lineNo,
      });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (col === undefined) throw new TraceFormatError(`${file}: empty file (no header)`, { file, line: 0 });
    if (batch.length > 0) yield batch;
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** Reads a whole (small) trace into memory; for tests and tools, not for the big replays. */
export async function readTraceAll(path: string, options: TraceReadOptions = {}): Promise<{ jobs: TraceJob[]; malformed: MalformedReport }> {
  const malformed: MalformedReport = { count: 0, messages: [] };
  const jobs: TraceJob[] = [];
  for await (const batch of readTrace(path, malformed, options)) jobs.push(...batch);
  return { jobs, malformed };
}
