// How long a job runs in the simulator and what it uses. A job's base run time comes from the trace (its run time
// in production at full allocation); the factors below act on top of it. Every default names where it comes from;
// "assumption" means we have no measurement yet and the value is a round, conservative guess within the range the
// cited work reports. All are configurable (`fairway sim --model FILE`, or `SimOptions.model`).
import type { Resources } from '../core/domain/index.ts';

/** Light ≈ CIFAR-10-scale training; heavy ≈ ImageNet-scale (the seed's two job kinds). */
export type WorkloadClass = 'light' | 'heavy';

export interface Usage {
  /** Mean share of the allocated resources a running job actually uses, per dimension (0..1). */
  readonly cpu: number;
  readonly gpu: number;
  readonly mem: number;
}

export interface ExecutionModel {
  /**
   * Share of a job's run time spent loading data from disk (read + decode waits). Default 0.3, an assumption:
   * Mohan et al., "Analyzing and Mitigating Data Stalls in DNN Training" (VLDB 2021) find data stalls take a large
   * share of epoch time for image models whose dataset is not cached in memory; 0.3 sits inside the range they report.
   */
  readonly dataLoadFraction: Readonly<Record<WorkloadClass, number>>;
  /**
   * How many times faster the data-loading share runs when the dataset is served from the in-memory grid.
   * Default 5, an assumption (memory vs disk-backed reads with the decode cost kept) until the grid benchmark
   * (`npm run bench -- grid`, issue 4) gives a measured figure.
   */
  readonly gridSpeedup: number;
  /**
   * Slow-down per co-located neighbour job on the same node (1 + k·neighbours). Default 0 for trace replays,
   * because trace durations were measured in production with whatever co-location Philly had; the paper scenario
   * uses 0.05, an assumption within the pairwise co-location slow-downs Gandiva (Xiao et al., OSDI 2018) reports.
   */
  readonly interferencePerNeighbour: number;
  /** Checkpoint size per GPU of the job. Default 1024 MiB, an assumption (weights + optimizer state of 2017-era CNN/LSTM models are 0.1–1 GiB). */
  readonly checkpointMiBPerGpu: number;
  /** Checkpoint write/read bandwidth. Default 1000 MiB/s, an assumption (≈ a 10 GbE link or one NVMe drive). */
  readonly checkpointMiBps: number;
  /** Cost of starting a job again after a preemption or migration (process start, framework and data-pipeline warm-up). Default 10 s, an assumption. */
  readonly restartOverheadMs: number;
  /** Mean use of the allocation per class, for "used" utilisation and generated telemetry. Assumptions: an
   *  ImageNet-scale job keeps its GPUs busy, a CIFAR-scale one leaves them idle part of the time. */
  readonly usage: Readonly<Record<WorkloadClass, Usage>>;
  /** Relative noise (±) on generated telemetry samples. Default 0.1. */
  readonly telemetryNoise: number;
}

export const DEFAULT_MODEL: ExecutionModel = {
  dataLoadFraction: { light: 0.3, heavy: 0.3 },
  gridSpeedup: 5,
  interferencePerNeighbour: 0,
  checkpointMiBPerGpu: 1024,
  checkpointMiBps: 1000,
  restartOverheadMs: 10_000,
  usage: {
    light: { cpu: 0.5, gpu: 0.5, mem: 0.4 },
    heavy: { cpu: 0.8, gpu: 0.9, mem: 0.7 },
  },
  telemetryNoise: 0.1,
};

/** Work (ms at full speed) of a job of `baseMs` in production, given where its data comes from. */
export function workMs(model: ExecutionModel, cls: WorkloadClass, baseMs: number, dataFromGrid: boolean): number {
  if (!dataFromGrid) return baseMs;
  const f = model.dataLoadFraction[cls];
  return Math.round(baseMs * (1 - f + f / model.gridSpeedup));
}

/** Time to write (or read) a checkpoint of a job holding `gpus` GPUs (at least one GPU's worth for CPU jobs). */
export function checkpointMs(model: ExecutionModel, gpus: number): number {
  return Math.round((Math.max(1, gpus) * model.checkpointMiBPerGpu * 1000) / model.checkpointMiBps);
}

/** Speed (work per ms) of a job that shares its nodes with `neighbours` other jobs. */
export function speed(model: ExecutionModel, neighbours: number): number {
  return 1 / (1 + model.interferencePerNeighbour * neighbours);
}

/** Resources a job uses on average out of `allocated`. */
export function usedOf(model: ExecutionModel, cls: WorkloadClass, allocated: Resources): Resources {
  const u = model.usage[cls];
  return {
    cpuMilli: Math.round(allocated.cpuMilli * u.cpu),
    gpuMilli: Math.round(allocated.gpuMilli * u.gpu),
    memMiB: Math.round(allocated.memMiB * u.mem),
    netMbps: 0,
  };
}
