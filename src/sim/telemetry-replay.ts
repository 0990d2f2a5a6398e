// Telemetry replayed from real per-container utilisation series instead of generated noise: the Alibaba GenAI
// 2026 pod series in ../shared/traces/utilisation (GPU duty cycle in %, memory utilisation as a fraction, 1 min).
// Each job is assigned one pod series by a hash of its id and reads it from the start, one value per minute of
// run time (wrapping around). Caveat from the traces README: those pods serve Stable Diffusion inference, not
// training, so this is a realistic *shape* of utilisation (bursty, idle spells), not a training profile.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { FairwayError } from '../core/util/errors.ts';
import { sharedPath } from '../paths.ts';

export interface UtilisationReplay {
  /** Fraction (0..1) of its GPUs the job uses `minute` minutes into its run. */
  gpu(jobId: string, minute: number): number;
  /** Fraction (0..1) of its memory the job uses then. */
  mem(jobId: string, minute: number): number;
  /** Rows of the series that could not be used (e.g. no pod id), with `file:line` of the first few. */
  readonly skipped?: { readonly count: number; readonly examples: readonly string[] };
}

async function readSeries(path: string, scale: number, skipped: { count: number; examples: string[] }): Promise<Float32Array[]> {
  const byPod = new Map<string, Array<[number, number]>>();
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (lineNo === 1 || line === '') continue;
    const [v, t, pod] = line.split(',');
    const value = Number(v);
    const time = Number(t);
    if (v === undefined || t === undefined || pod === undefined) {
      throw new FairwayError('utilisation_format', `${path}:${lineNo}: expected value,timestamp_anon,container_ip`, { file: path, line: lineNo });
    }
    if (pod === '' || v === '' || !Number.isFinite(value) || !Number.isFinite(time)) {
      // A few rows of the published series have no pod id: counted and reported, not used.
      skipped.count += 1;
      if (skipped.examples.length < 5) skipped.examples.push(`${path.split('/').pop() ?? path}:${lineNo}`);
      continue;
    }
    let s = byPod.get(pod);
    if (!s) byPod.set(pod, (s = []));
    s.push([time, Math.min(1, Math.max(0, value * scale))]);
  }
  // Pods in a stable order (by id), each series in time order.
  return [...byPod.keys()].sort().map((pod) => Float32Array.from((byPod.get(pod) ?? []).sort((a, b) => a[0] - b[0]).map(([, v]) => v)));
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function pick(series: readonly Float32Array[], jobId: string, minute: number, salt: string): number {
  const s = series[hash(salt + jobId) % series.length];
  if (!s || s.length === 0) return 0;
  return s[Math.floor(Math.max(0, minute)) % s.length] ?? 0;
}

export async function loadGenAiReplay(
  gpuPath = sharedPath('traces', 'utilisation', 'alibaba_genai_pod_gpu_duty_cycle_1min.csv.gz'),
  memPath = sharedPath('traces', 'utilisation', 'alibaba_genai_pod_memory_util_1min.csv.gz'),
): Promise<UtilisationReplay> {
  const skipped = { count: 0, examples: [] as string[] };
  const [gpu, mem] = await Promise.all([readSeries(gpuPath, 1 / 100, skipped), readSeries(memPath, 1, skipped)]);
  return {
    skipped,
    gpu: (jobId, minute) => pick(gpu, jobId, minute, 'gpu:'),
    mem: (jobId, minute) => pick(mem, jobId, minute, 'mem:'),
  };
}
