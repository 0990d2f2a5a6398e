// Reading a `fairway sim --json` result: one JSON object per policy per line (a JSON array or `{ results: [...] }`
// works too). No DOM here, so node's test runner checks it directly.
export interface SimSummary {
  policy: string;
  cluster?: string;
  trace?: string;
  seed?: number;
  jobs: number;
  unfinished?: number;
  avgJctS: number;
  medianJctS?: number;
  p95JctS?: number;
  avgWaitS?: number;
  p95WaitS?: number;
  makespanS?: number;
  gpuUtil?: number;
  cpuUtil?: number;
  gpuUsedUtil?: number;
  jainRaw?: number;
  jainNormalised?: number;
  rhoMax?: number;
  preemptions?: number;
  migrations?: number;
  deadlineMisses?: number;
  tenants?: { tenant: string; weight: number; jobs: number; avgJctS: number; rho: number; gpuTimeShare: number; fairShare: number }[];
  /** JCT at each percentile 0..100 (seconds), with `fairway sim --json --series`. */
  jctQuantilesS?: number[];
  /** Time series per policy, with `fairway sim --json --series`. */
  series?: { tMs: number; gpuAlloc: number; jainRaw: number; jainNormalised: number; running?: number; pending?: number }[];
}

export class SimFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimFileError';
  }
}

/** Parses a sim result file; throws SimFileError with the line that is wrong. */
export function parseSimFile(text: string): SimSummary[] {
  const trimmed = text.trim();
  if (!trimmed) throw new SimFileError('the file is empty');
  let items: unknown[];
  if (trimmed.startsWith('[')) items = JSON.parse(trimmed) as unknown[];
  else {
    try {
      const one = JSON.parse(trimmed) as unknown;
      items = one && typeof one === 'object' && Array.isArray((one as { results?: unknown }).results) ? (one as { results: unknown[] }).results : [one];
    } catch (_notOneObject) {
      // Not a single JSON value: the JSON-lines form `fairway sim --json` prints.
      items = trimmed.split('\n').filter((l) => l.trim()).map((l, i) => {
        try {
          return JSON.parse(l) as unknown;
        } catch (err) {
          throw new SimFileError(`line ${i + 1}: ${(err as Error).message}`);
        }
      });
    }
  }
  return items.map((x, i) => {
    const o = x as Partial<SimSummary>;
    if (!o || typeof o.policy !== 'string' || typeof o.jobs !== 'number' || typeof o.avgJctS !== 'number') {
      throw new SimFileError(`result ${i + 1}: not a fairway sim result (needs policy, jobs, avgJctS)`);
    }
    return o as SimSummary;
  });
}
