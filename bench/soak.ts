// `npm run bench -- soak [--json] [--seconds N] [--rate R] [--nodes N] [--connections N] [--job-ms MS] [--node-cpus N]
//   [--heartbeat-ms MS] [--cpu-prof DIR]`
// A bounded soak on loopback (issue 9): R durable submissions/s for N seconds against a real `fairway server` child
// (SQLite, synchronous=FULL) while simulated nodes (one light child process, bench/support/soak-nodes.ts) register
// with the join token and send heartbeats with reports and telemetry through the real agent API every second; the
// jobs they are given run for --job-ms and exit, so jobs flow pending → running → succeeded throughout.
// Reports throughput, latency, server RSS over time, heartbeat latency, errors, and — after the server has stopped —
// that every acknowledged submission is in the SQLite file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import autocannon from 'autocannon';
import { repoRoot } from '../src/paths.ts';
import type { SoakNodesConfig, SoakNodesReport } from './support/soak-nodes.ts';

export interface SoakOptions {
  readonly seconds: number;
  readonly rate: number;
  readonly nodes: number;
  readonly connections: number;
  readonly jobMs: number;
  readonly nodeCpus: number;
  readonly heartbeatMs: number;
  /** When set, the server writes a V8 CPU profile into this directory as it exits. */
  readonly cpuProfDir?: string;
}

export interface SoakResult {
  readonly seconds: number;
  readonly rate: number;
  readonly nodes: number;
  /** Submissions sent and answered (autocannon runs exactly rate × seconds requests and waits for every answer). */
  readonly submitted: number;
  readonly acknowledged: number;
  /** Acknowledged submissions found in the SQLite file after the server stopped. */
  readonly stored: number;
  readonly lost: number;
  /** Job rows in the store that were never acknowledged (should be 0: every request got its answer). */
  readonly storedUnacknowledged: number;
  readonly elapsedS: number;
  readonly throughputPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssPeakMiB: number;
  /** Least-squares slope of the server's RSS over the second half of the run, per minute. */
  readonly rssGrowthMiBPerMin: number;
  /** V8 heap used at the end, and its least-squares slope over the second half (a leak shows here). */
  readonly heapUsedEndMiB: number;
  readonly heapGrowthMiBPerMin: number;
  /** Most jobs the core's state held at once (pending + running + the recent finished it retains). */
  readonly coreJobsMax: number;
  readonly heartbeats: number;
  readonly heartbeatErrors: number;
  readonly heartbeatP50Ms: number;
  readonly heartbeatP99Ms: number;
  readonly launched: number;
  readonly finished: number;
  readonly pendingEnd: number;
  readonly serverCpuUsPerSubmission: number;
}

const ADMIN = 'soak-admin-token-0123456789';
const JOIN = 'soak-join-token-0123456789';

function parseArgs(argv: string[]): SoakOptions & { json: boolean } {
  const a: { -readonly [K in keyof SoakOptions]: SoakOptions[K] } & { json: boolean } = { json: false, seconds: 60, rate: 5000, nodes: 200, connections: 32, jobMs: 1000, nodeCpus: 64, heartbeatMs: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${k} needs a positive number`);
      return v;
    };
    if (k === '--json') a.json = true;
    else if (k === '--seconds') a.seconds = num();
    else if (k === '--rate') a.rate = num();
    else if (k === '--nodes') a.nodes = Math.round(num());
    else if (k === '--connections') a.connections = Math.round(num());
    else if (k === '--job-ms') a.jobMs = num();
    else if (k === '--node-cpus') a.nodeCpus = Math.round(num());
    else if (k === '--heartbeat-ms') a.heartbeatMs = num();
    else if (k === '--cpu-prof') a.cpuProfDir = String(argv[++i]);
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

function lines(child: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

async function until(it: AsyncIterator<string>, what: RegExp, who: string): Promise<RegExpExecArray> {
  for (;;) {
    const r = await it.next();
    if (r.done) throw new Error(`${who} ended before printing ${what}`);
    const m = what.exec(r.value);
    if (m) return m;
  }
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** Slope (per second) of y over t by least squares. */
function slope(points: readonly { t: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

async function metricsOf(url: string): Promise<{ heapUsedMiB: number; coreJobs: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const get = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { heapUsedMiB: get('nodejs_heap_size_used_bytes') / 2 ** 20, coreJobs: get('fairway_core_jobs') };
}

async function api<T>(url: string, path: string, token: string, method = 'GET', body?: unknown): Promise<T> {
  const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function soak(o: SoakOptions): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-soak-'));
  const children: ChildProcess[] = [];
  try {
    const prof = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [];
    const server = spawn(process.execPath, [...prof, join(repoRoot, 'bin/fairway.js'), 'server', '--port', '0', '--data-dir', dir, '--admin-token', ADMIN, '--join-token', JOIN, '--sync', 'full'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(server);
    const url = (await until(lines(server), /listening on (\S+)/, 'server'))[1]!;
    const { token } = await api<{ token: string }>(url, '/v1/tenants', ADMIN, 'POST', { id: 'soak' });
    const cfg: SoakNodesConfig = { url, joinToken: JOIN, nodes: o.nodes, heartbeatMs: o.heartbeatMs, jobMs: o.jobMs, nodeCpus: o.nodeCpus, nodeMemoryMiB: o.nodeCpus * 4096, jobSamples: 4 };
    const sim = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/support/soak-nodes.ts'), JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(sim);
    const simOut = lines(sim);
    await until(simOut, /^ready$/, 'node simulator');

    const acked: string[] = [];
    let n = 0;
    const run = Math.random().toString(36).slice(2, 8);
    const samples: { t: number; y: number }[] = [];
    const t0 = performance.now();
    const rssStartMiB = rssMiB(server.pid!);
    const cpu0 = cpuMs(server.pid!);
    samples.push({ t: 0, y: rssStartMiB });
    const heap: { t: number; y: number; jobs: number }[] = [];
    const sampler = setInterval(() => {
      const t = (performance.now() - t0) / 1000;
      samples.push({ t, y: rssMiB(server.pid!) });
      void metricsOf(url).then((m) => heap.push({ t, y: m.heapUsedMiB, jobs: m.coreJobs }));
    }, 1000);
    const total = Math.round(o.rate * o.seconds);
    // `amount` makes autocannon wait for every answer, so nothing is in flight when it returns.
    const r = await autocannon({
      url: `${url}/v1/jobs`, connections: o.connections, amount: total, overallRate: o.rate,
      requests: [{
        method: 'POST',
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': `${run}-${++n}` },
          body: JSON.stringify({ name: `soak-${n}`, request: { cpu: 1, memoryMiB: 256 }, command: ['node', 'train.js'], priorityClass: n % 10 === 0 ? 'high' : 'normal' }),
        }),
        onResponse: (status: number, body: string) => {
          if (status === 201) {
            const m = /"id":"([^"]+)"/.exec(body);
            if (m) acked.push(m[1]!);
          }
        },
      }],
    });
    const elapsedS = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const rssEndMiB = rssMiB(server.pid!);
    samples.push({ t: elapsedS, y: rssEndMiB });
    const cpu1 = cpuMs(server.pid!);
    const cluster = await api<{ queueLength: number; jobs: Record<string, number> }>(url, '/v1/cluster', ADMIN);

    sim.kill('SIGTERM');
    const simReport = JSON.parse((await until(simOut, /^\{.*\}$/, 'node simulator'))[0]) as SoakNodesReport;
    await exited(sim);
    server.kill('SIGTERM');
    await exited(server);

    // The server has stopped: read what it committed.
    const db = new Database(join(dir, 'fairway.db'), { readonly: true });
    const storedIds = new Set((db.prepare("SELECT id FROM jobs WHERE tenant_id = 'soak'").pluck().all() as string[]));
    db.close();
    let found = 0;
    for (const id of acked) if (storedIds.has(id)) found++;
    const late = samples.filter((p) => p.t >= elapsedS / 2);
    return {
      seconds: o.seconds, rate: o.rate, nodes: o.nodes,
      submitted: r['2xx'] + r.non2xx + r.errors, acknowledged: acked.length, stored: found, lost: acked.length - found, storedUnacknowledged: storedIds.size - found,
      elapsedS: Number(elapsedS.toFixed(2)), throughputPerS: Math.round(acked.length / elapsedS),
      p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max, errors: r.errors, non2xx: r.non2xx,
      rssStartMiB: Math.round(rssStartMiB), rssEndMiB: Math.round(rssEndMiB), rssPeakMiB: Math.round(Math.max(...samples.map((p) => p.y))),
      rssGrowthMiBPerMin: Number((slope(late.length >= 2 ? late : samples) * 60).toFixed(1)),
      heapUsedEndMiB: Math.round(heap[heap.length - 1]?.y ?? 0),
      heapGrowthMiBPerMin: Number((slope(heap.filter((p) => p.t >= elapsedS / 2)) * 60).toFixed(1)),
      coreJobsMax: Math.max(0, ...heap.map((p) => p.jobs)),
      heartbeats: simReport.heartbeats, heartbeatErrors: simReport.heartbeatErrors, heartbeatP50Ms: simReport.heartbeatP50Ms, heartbeatP99Ms: simReport.heartbeatP99Ms,
      launched: simReport.launched, finished: cluster.jobs['succeeded'] ?? 0, pendingEnd: cluster.queueLength,
      serverCpuUsPerSubmission: Math.round(((cpu1 - cpu0) * 1000) / Math.max(1, acked.length)),
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const { json, ...o } = parseArgs(argv);
  const r = await soak(o);
  if (json) console.log(JSON.stringify(r));
  else {
    console.log(`fairway soak: ${o.rate}/s for ${o.seconds} s, ${o.nodes} simulated nodes (real server child, SQLite FULL, loopback)`);
    for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(26)} ${String(v)}`);
    console.log(`  ${r.lost === 0 ? 'nothing lost' : `LOST ${r.lost} acknowledged submissions`}`);
  }
}
