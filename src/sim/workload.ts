// What the simulator replays: jobs as core JobSpecs plus what the execution model needs (production run time,
// workload class). Converts trace rows with the baseline semantics: a GPU job of at most one node's GPUs
// is one task; a larger one is a gang of ceil(gpus / gpusPerNode) whole nodes.
import type { JobSpec, PriorityClass } from '../core/domain/index.ts';
import type { WorkloadClass } from './execution-model.ts';
import { readTrace, type MalformedReport, type TraceJob, type TraceReadOptions } from './trace-reader.ts';

export interface SimJobInput {
  readonly spec: JobSpec;
  /** Run time in production at full allocation (the trace's `duration_s`). */
  readonly durationMs: number;
  readonly cls: WorkloadClass;
  /** Total GPUs the trace asked for (before rounding a gang up to whole nodes). */
  readonly gpus: number;
}

/** A stream of jobs in arrival order, in batches. */
export type JobSource = AsyncIterable<readonly SimJobInput[]>;

export interface TraceConversion {
  readonly gpusPerNode: number;
  /** Request per GPU when the trace has no CPU figure (Philly). Default 4 cores, an assumption (half a DGX-1-class server's 5 cores per GPU). */
  readonly cpuMilliPerGpu?: number;
  /** Memory per GPU when the trace has none. Default 32 GiB, an assumption (half of 64 GiB per GPU). */
  readonly memMiBPerGpu?: number;
}

const PRIORITY_BY_CLASS: Readonly<Record<string, PriorityClass>> = { LS: 'high', Guaranteed: 'high', Burstable: 'normal', BE: 'low' };

/** Heavy (ImageNet-like) when the job spans several GPUs or runs over an hour; light (CIFAR-like) otherwise. A heuristic: traces carry no model names. */
export function classify(gpus: number, durationMs: number): WorkloadClass {
  return gpus > 1 || durationMs > 3_600_000 ? 'heavy' : 'light';
}

export function traceJobToInput(t: TraceJob, conv: TraceConversion): SimJobInput {
  const G = Math.max(1, conv.gpusPerNode);
  const cpuPerGpu = conv.cpuMilliPerGpu ?? 4000;
  const memPerGpu = conv.memMiBPerGpu ?? 32 * 1024;
  const tasks = t.gpus > G ? Math.ceil(t.gpus / G) : 1;
  const gpusPerTask = t.gpus > G ? G : t.gpus;
  const gpuMilli = gpusPerTask === 1 ? Math.max(1, Math.round(t.gpuFraction * 1000)) : gpusPerTask * 1000;
  // Trace CPU/memory figures are for the whole job; split them over the tasks.
  const cpuMilli = t.cpus !== undefined ? Math.max(1, Math.round((t.cpus * 1000) / tasks)) : Math.max(1000, gpusPerTask * cpuPerGpu);
  const memMiB = t.memGiB !== undefined ? Math.max(1, Math.round((t.memGiB * 1024) / tasks)) : Math.max(4096, gpusPerTask * memPerGpu);
  const spec: JobSpec = {
    id: t.jobId,
    tenantId: t.tenant,
    request: { cpuMilli, gpuMilli: t.gpus === 0 ? 0 : gpuMilli, memMiB, netMbps: 0 },
    gangSize: tasks,
    priorityClass: (t.priorityClass && PRIORITY_BY_CLASS[t.priorityClass]) || 'normal',
    submittedAtMs: t.submitMs,
    expectedDurationMs: t.durationMs,
    preemptible: true,
    migratable: true,
    kind: 'train',
  };
  return { spec, durationMs: t.durationMs, cls: classify(t.gpus, t.durationMs), gpus: t.gpus };
}

/** Streams a trace file as SimJobInputs. `report` counts and describes skipped rows. */
export async function* traceSource(
  path: string,
  conv: TraceConversion,
  report: MalformedReport,
  options: TraceReadOptions = {},
): AsyncGenerator<readonly SimJobInput[]> {
  for await (const batch of readTrace(path, report, options)) yield batch.map((t) => traceJobToInput(t, conv));
}
