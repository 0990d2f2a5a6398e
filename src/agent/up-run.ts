// Runs a workload on a LocalCluster and measures it: tenants and jobs go in through the public HTTP API (tenant
// tokens), progress comes back from the jobs' own progress lines (forwarded by the agents as logs), resource use is
// read from /proc for the agents' job processes, and fairness from the coordinator. One RunSummary per run.
import { isTerminal, type JobState } from '../core/domain/job.ts';
import { parseProgressLine } from '../wire/job-progress.ts';
import type { LocalCluster } from './local-cluster.ts';
import { cpuTicks, processTree, rssKiB, CLOCK_TICKS_PER_S } from './proc-stats.ts';
import { jobCommand, type Workload } from './workload.ts';

export type RunMode = 'fairway' | 'baseline';

export interface JobResult {
  readonly id: string;
  readonly name: string;
  readonly tenant: string;
  readonly state: JobState;
  readonly exitCode: number | null;
  readonly jctS: number | null;
  /** Submit (accepted by the API) → the agent started the process. */
  readonly startLatencyMs: number | null;
  readonly placeLatencyMs: number | null;
  readonly samplesPerS: number | null;
  readonly testAccuracy: number | null;
  readonly dataSource: string | null;
  /** Bytes the job sent and received on its own sockets (grid traffic; src/sdk/net-counter.ts), in MiB; null if unmeasured. */
  readonly netMiB: number | null;
  readonly nodeIds: readonly string[];
  readonly deadlineMet: boolean | null;
}

export interface RunSummary {
  readonly mode: RunMode;
  readonly jobs: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly totalTrainingS: number;
  readonly makespanS: number;
  readonly jainNormalised: number;
  readonly cpuUtil: number;
  readonly memUtil: number;
  readonly migrations: number;
  /** Jobs taken back from a node (fairness preemption or node loss) and requeued. */
  readonly preemptions: number;
  readonly startLatencyMs: { readonly p50: number; readonly p99: number };
  /** Submit → the coordinator's placement decision (the scheduler's part of the start latency, queueing included). */
  readonly placeLatencyMs: { readonly p50: number; readonly p99: number };
  /** Placement → process running on the agent (command delivery by long-poll, spawn, report). */
  readonly launchLatencyMs: { readonly p50: number; readonly p99: number };
  readonly tenants: readonly { tenant: string; weight: number; tier: string; jobs: number; succeeded: number; meanJctS: number; maxJctS: number }[];
  readonly perJob: readonly JobResult[];
  readonly dataSources: Readonly<Record<string, number>>;
  readonly grid: string;
}

export interface LiveStatus {
  readonly elapsedS: number;
  readonly tenants: readonly { tenant: string; progress: number; running: number; pending: number; done: number; jobs: number }[];
  readonly queue: number;
  readonly jainNormalised: number;
  readonly cpuCores: number;
}

interface Tracked {
  readonly name: string;
  readonly tenant: string;
  readonly deadlineMs?: number;
  id?: string;
  submittedAtMs?: number;
  logSeq: number;
  step: number;
  totalSteps: number;
  samplesPerS: number | null;
  testAccuracy: number | null;
  dataSource: string | null;
  readonly migrateAfterS?: number;
  firstProgressAtMs?: number;
  migrationAsked?: boolean;
  /** Why the drill's last try was turned down ("not now", 409), reported if it never happens. */
  migrationDeferred?: string;
  /** Summed over incarnations (a restarted process counts from 0 again). */
  netBytesDone: number;
  netBytesNow: number;
}

export interface RunOptions {
  readonly mode: RunMode;
  readonly onTick?: (s: LiveStatus) => void;
  readonly log: (line: string) => void;
  /** Guard: jobs still unfinished after this are cancelled and counted as failed. */
  readonly timeoutS?: number;
}

const ADMIN = { kind: 'admin' } as const;

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the values at or below it.
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Workload jobs with `migrateAfterS`: ask for the move once it is due (retried each tick while it cannot be made). */
async function migrationDrills(cluster: LocalCluster, tracked: readonly Tracked[], nowMs: number, log: (line: string) => void): Promise<void> {
  const c = cluster.server.coordinator;
  for (const tr of tracked) {
    if (tr.migrateAfterS === undefined || tr.migrationAsked || !tr.id || tr.firstProgressAtMs === undefined) continue;
    if (nowMs - tr.firstProgressAtMs < tr.migrateAfterS * 1000) continue;
    const job = c.getJob(tr.id, ADMIN);
    if (job.state !== 'running') continue;
    const target = c.listNodes().map((n) => n.stored.node).find((n) => n.status === 'ready' && !job.nodeIds.includes(n.id));
    if (!target) { tr.migrationDeferred = 'no other ready agent'; continue; }
    const res = await fetch(`${cluster.url}/v1/jobs/${tr.id}/migrate`, {
      method: 'POST', headers: { authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: [target.id] }),
    });
    const text = await res.text();
    if (res.ok) {
      tr.migrationAsked = true;
      log(`migration drill: ${tr.name} (${tr.id}) ${job.nodeIds.join(',')} → ${target.id}`);
    } else if (res.status === 409) {
      tr.migrationDeferred = text.slice(0, 200);
    } else {
      // A drill that cannot be made is reported, not fatal to the run (409, "not now", is retried next tick).
      tr.migrationAsked = true;
      log(`migration drill: ${tr.name} (${tr.id}) refused: ${res.status} ${text.slice(0, 200)}`);
    }
  }
}

export async function runWorkload(cluster: LocalCluster, w: Workload, o: RunOptions): Promise<RunSummary> {
  const c = cluster.server.coordinator;
  const api = async (path: string, token: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${cluster.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const tokens = new Map<string, string>();
  for (const t of w.tenants) {
    const r = await api('/v1/tenants', cluster.adminToken, { id: t.id, weight: t.weight, tier: t.tier });
    tokens.set(t.id, r.token as string);
  }

  const t0 = Date.now();
  const tracked: Tracked[] = w.jobs.map((j) => ({ name: j.name, tenant: j.tenant, ...(j.migrateAfterS !== undefined ? { migrateAfterS: j.migrateAfterS } : {}), logSeq: 0, step: 0, totalSteps: 0, samplesPerS: null, testAccuracy: null, dataSource: null, netBytesDone: 0, netBytesNow: 0 }));
  const submissions = w.jobs.map((j, i) => new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      const tr = tracked[i]!;
      const env: Record<string, string> = { FAIRWAY_SEED: String(i + 1) };
      if (cluster.gridUrl) env.FAIRWAY_GRID = cluster.gridUrl;
      else env.FAIRWAY_CHECKPOINT_DIR = cluster.checkpointDir;
      // The traditional baseline's data path (the seed paper's): read and decode from disk every epoch.
      if (o.mode === 'baseline') env.FAIRWAY_DATA_RELOAD = 'epoch';
      const now = Date.now();
      const deadlineMs = j.deadlineS !== undefined ? now + j.deadlineS * 1000 : undefined;
      api('/v1/jobs', tokens.get(j.tenant)!, {
        name: j.name, request: { cpu: j.cpu, memoryMiB: j.memoryMiB }, command: jobCommand(j), env,
        // The baseline is "traditional" FIFO: every job in one class, in submission order.
        ...(o.mode === 'fairway' && j.priorityClass ? { priorityClass: j.priorityClass } : {}),
        ...(deadlineMs !== undefined ? { deadline: Math.round(deadlineMs) } : {}),
      }).then((r) => {
        tr.id = r.id as string;
        tr.submittedAtMs = now;
        if (deadlineMs !== undefined) (tr as { deadlineMs?: number }).deadlineMs = deadlineMs;
        resolve();
      }, reject);
    }, j.submitAtS * 1000);
  }));
  let submitError: unknown;
  const allSubmitted = Promise.all(submissions).catch((err: unknown) => { submitError = err; });
  let submittedAll = false;
  void allSubmitted.then(() => { submittedAll = true; });

  // /proc accounting of the job processes (the agents' descendants, not the agents themselves).
  const agentPids = new Set(cluster.agents.map((a) => a.process.pid!));
  const lastTicks = new Map<number, number>();
  let jobCpuTicks = 0;
  let memSamples = 0;
  let memSumMiB = 0;
  const jainSamples: number[] = [];
  const cap = cluster.capacity;
  const timeoutMs = (o.timeoutS ?? 900) * 1000;
  let lastSampleMs = Date.now();
  let cpuCoresNow = 0;

  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    if (submitError) throw submitError;
    // Resource use.
    let rss = 0;
    let tickDelta = 0;
    const seen = new Set<number>();
    for (const a of agentPids) {
      for (const pid of processTree(a)) {
        if (agentPids.has(pid)) continue;
        const t = cpuTicks(pid);
        const r = rssKiB(pid);
        if (t === undefined || r === undefined) continue;
        seen.add(pid);
        tickDelta += t - (lastTicks.get(pid) ?? 0);
        lastTicks.set(pid, t);
        rss += r;
      }
    }
    for (const pid of [...lastTicks.keys()]) if (!seen.has(pid)) lastTicks.delete(pid);
    const nowMs = Date.now();
    jobCpuTicks += tickDelta;
    cpuCoresNow = tickDelta / CLOCK_TICKS_PER_S / Math.max(0.001, (nowMs - lastSampleMs) / 1000);
    lastSampleMs = nowMs;
    memSumMiB += rss / 1024;
    memSamples++;

    // Progress from the jobs' own lines.
    for (const tr of tracked) {
      if (!tr.id) continue;
      for (const l of c.logs(tr.id, tr.logSeq, 1000)) {
        tr.logSeq = l.seq;
        const p = l.stream === 'stdout' ? parseProgressLine(l.line) : undefined;
        if (!p || !('event' in p)) continue;
        const e = p.event;
        if (e.netBytes !== undefined) {
          if (e.netBytes < tr.netBytesNow) tr.netBytesDone += tr.netBytesNow; // a new incarnation counts from 0
          tr.netBytesNow = e.netBytes;
        }
        if (e.type === 'start') { tr.totalSteps = e.totalSteps; tr.dataSource = e.dataSource; }
        else if (e.type === 'progress') { tr.step = e.step; tr.firstProgressAtMs ??= nowMs; }
        else if (e.type === 'done') { tr.step = e.step; tr.samplesPerS = e.samplesPerS; tr.testAccuracy = e.testAccuracy; }
        else if (e.type === 'restore') tr.step = e.step;
      }
    }
    const states = tracked.map((tr) => (tr.id ? c.getJob(tr.id, ADMIN).state : undefined));
    await migrationDrills(cluster, tracked, nowMs, o.log);
    const f = c.fairness();
    if (f.tenants.length > 0) jainSamples.push(f.jainNormalised);
    const tenants = w.tenants.map((t) => {
      const mine = tracked.map((tr, i) => ({ tr, s: states[i] })).filter((x) => x.tr.tenant === t.id);
      const progress = mine.reduce((a, { tr, s }) => a + (s && isTerminal(s) ? 1 : tr.totalSteps > 0 ? Math.min(1, tr.step / tr.totalSteps) : 0), 0) / Math.max(1, mine.length);
      return {
        tenant: t.id, progress, jobs: mine.length,
        running: mine.filter((x) => x.s !== undefined && !isTerminal(x.s) && x.s !== 'pending').length,
        pending: mine.filter((x) => x.s === 'pending' || x.s === undefined).length,
        done: mine.filter((x) => x.s !== undefined && isTerminal(x.s)).length,
      };
    });
    o.onTick?.({ elapsedS: (nowMs - t0) / 1000, tenants, queue: states.filter((s) => s === 'pending').length, jainNormalised: f.jainNormalised, cpuCores: cpuCoresNow });
    if (submittedAll && states.every((s) => s !== undefined && isTerminal(s))) break;
    if (nowMs - t0 > timeoutMs) {
      o.log(`timed out after ${o.timeoutS ?? 900} s: cancelling the unfinished jobs`);
      for (const tr of tracked) if (tr.id && !isTerminal(c.getJob(tr.id, ADMIN).state)) await c.cancel(tr.id, ADMIN);
      break;
    }
  }

  for (const tr of tracked) {
    if (tr.migrateAfterS !== undefined && !tr.migrationAsked) {
      o.log(`migration drill: ${tr.name} was not moved before it ended (last answer: ${tr.migrationDeferred ?? 'it never reported progress'})`);
    }
  }

  // Results from the coordinator's job events (times as it recorded them).
  const perJob: JobResult[] = tracked.map((tr) => {
    const j = c.getJob(tr.id!, ADMIN);
    const ev = c.jobEvents(tr.id!);
    const submitted = ev.find((e) => e.type === 'submitted')?.atMs ?? tr.submittedAtMs!;
    const started = ev.find((e) => e.type === 'started')?.atMs;
    const placed = ev.find((e) => e.type === 'placed')?.atMs;
    const end = ev.find((e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled')?.atMs;
    return {
      id: tr.id!, name: tr.name, tenant: tr.tenant, state: j.state, exitCode: j.exitCode,
      jctS: end !== undefined ? (end - submitted) / 1000 : null,
      startLatencyMs: started !== undefined ? started - submitted : null,
      placeLatencyMs: placed !== undefined ? placed - submitted : null,
      samplesPerS: tr.samplesPerS, testAccuracy: tr.testAccuracy, dataSource: tr.dataSource, nodeIds: j.nodeIds,
      netMiB: tr.netBytesDone + tr.netBytesNow > 0 ? Math.round(((tr.netBytesDone + tr.netBytesNow) / 2 ** 20) * 10) / 10 : null,
      deadlineMet: tr.deadlineMs === undefined ? null : end !== undefined && j.state === 'succeeded' && end <= tr.deadlineMs,
    };
  });
  const ends = tracked.map((tr) => c.jobEvents(tr.id!).find((e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled')?.atMs ?? Date.now());
  const firstSubmit = Math.min(...tracked.map((tr) => tr.submittedAtMs!));
  const makespanS = (Math.max(...ends) - firstSubmit) / 1000;
  const count = (type: string): number => tracked.reduce((a, tr) => a + c.jobEvents(tr.id!).filter((e) => e.type === type).length, 0);
  const migrations = count('migrated');
  const preemptions = count('preempted');
  const latencies = perJob.map((j) => j.startLatencyMs).filter((x): x is number => x !== null);
  const placeLat = perJob.map((j) => j.placeLatencyMs).filter((x): x is number => x !== null);
  const launchLat = perJob.map((j) => (j.startLatencyMs !== null && j.placeLatencyMs !== null ? j.startLatencyMs - j.placeLatencyMs : null)).filter((x): x is number => x !== null);
  const p = (xs: number[]): { p50: number; p99: number } => ({ p50: Math.round(percentile(xs, 50)), p99: Math.round(percentile(xs, 99)) });
  const dataSources: Record<string, number> = {};
  for (const j of perJob) dataSources[j.dataSource ?? 'unknown'] = (dataSources[j.dataSource ?? 'unknown'] ?? 0) + 1;
  const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
  return {
    mode: o.mode,
    jobs: perJob.length,
    succeeded: perJob.filter((j) => j.state === 'succeeded').length,
    failed: perJob.filter((j) => j.state !== 'succeeded').length,
    totalTrainingS: round(perJob.reduce((a, j) => a + (j.jctS ?? 0), 0), 1),
    makespanS: round(makespanS, 1),
    jainNormalised: round(jainSamples.length ? jainSamples.reduce((a, b) => a + b, 0) / jainSamples.length : 1),
    cpuUtil: round(jobCpuTicks / CLOCK_TICKS_PER_S / Math.max(0.001, makespanS * cap.cpus)),
    memUtil: round(memSamples ? memSumMiB / memSamples / cap.memoryMiB : 0),
    migrations,
    preemptions,
    startLatencyMs: p(latencies),
    placeLatencyMs: p(placeLat),
    launchLatencyMs: p(launchLat),
    tenants: w.tenants.map((t) => {
      const mine = perJob.filter((j) => j.tenant === t.id);
      const jcts = mine.map((j) => j.jctS ?? 0);
      return {
        tenant: t.id, weight: t.weight, tier: t.tier, jobs: mine.length, succeeded: mine.filter((j) => j.state === 'succeeded').length,
        meanJctS: round(jcts.reduce((a, b) => a + b, 0) / Math.max(1, jcts.length), 1), maxJctS: round(Math.max(0, ...jcts), 1),
      };
    }),
    perJob,
    dataSources,
    grid: cluster.gridNote,
  };
}
