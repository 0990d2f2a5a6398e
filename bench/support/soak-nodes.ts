// Simulated nodes for `npm run bench -- soak`: one light process that plays N agents against a real coordinator
// through the real agent API (join token): each node registers, then sends a heartbeat every `heartbeatMs` with its
// reports (a launched job is reported started, then exited 0 after `jobMs`), node telemetry and a few job samples,
// and takes the commands the reply carries. Real agents also keep a long-poll open for faster launches; here the
// commands ride back on the periodic heartbeat (one request per node per interval).
// Run as a child: `node --import tsx bench/support/soak-nodes.ts` with the settings as JSON in argv[2]; it prints
// one line `ready` when every node is registered and, on SIGTERM, one JSON line of figures, then exits.
import { Agent, request } from 'node:http';

export interface SoakNodesConfig {
  readonly url: string;
  readonly joinToken: string;
  readonly nodes: number;
  readonly heartbeatMs: number;
  readonly jobMs: number;
  readonly nodeCpus: number;
  readonly nodeMemoryMiB: number;
  /** Per-job telemetry samples per heartbeat (besides the node's own). */
  readonly jobSamples: number;
}

export interface SoakNodesReport {
  readonly heartbeats: number;
  readonly heartbeatErrors: number;
  readonly heartbeatP50Ms: number;
  readonly heartbeatP99Ms: number;
  readonly heartbeatMaxMs: number;
  readonly launched: number;
  readonly exited: number;
  readonly errorSamples: readonly string[];
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as SoakNodesConfig;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const u = new URL(cfg.url);

function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', agent, headers: { authorization: `Bearer ${cfg.joinToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

interface Running { jobId: string; endsAtMs: number; startedReported: boolean }

const latencies: number[] = [];
const errors: string[] = [];
let heartbeats = 0;
let heartbeatErrors = 0;
let launched = 0;
let exited = 0;
let stopping = false;

async function nodeLoop(id: string, offsetMs: number): Promise<void> {
  const running = new Map<string, Running>();
  await new Promise((r) => setTimeout(r, offsetMs));
  while (!stopping) {
    const t0 = performance.now();
    const now = Date.now();
    const reports: unknown[] = [];
    const done: string[] = [];
    for (const r of running.values()) {
      if (!r.startedReported) {
        reports.push({ type: 'started', jobId: r.jobId });
        r.startedReported = true;
      } else if (now >= r.endsAtMs) {
        reports.push({ type: 'exited', jobId: r.jobId, exitCode: 0 });
        done.push(r.jobId);
      }
    }
    const telemetry: unknown[] = [{ cpu: Math.min(cfg.nodeCpus, running.size), memoryMiB: 512 + 64 * running.size, gpu: 0, netMbps: 0 }];
    let k = 0;
    for (const r of running.values()) {
      if (k++ >= cfg.jobSamples) break;
      telemetry.push({ jobId: r.jobId, cpu: 0.9, memoryMiB: 200, gpu: 0, netMbps: 0 });
    }
    try {
      const res = await post(`/v1/nodes/${id}/heartbeat`, { reports, telemetry, logs: [], waitMs: 0 });
      heartbeats++;
      latencies.push(performance.now() - t0);
      if (res.status !== 200) {
        heartbeatErrors++;
        if (errors.length < 5) errors.push(`${res.status} ${res.text.slice(0, 200)}`);
      } else {
        for (const j of done) running.delete(j);
        exited += done.length;
        const { commands } = JSON.parse(res.text) as { commands: { type: string; jobId: string }[] };
        for (const c of commands) {
          if (c.type === 'LaunchJob' && !running.has(c.jobId)) {
            running.set(c.jobId, { jobId: c.jobId, endsAtMs: Date.now() + cfg.jobMs, startedReported: false });
            launched++;
          } else if (c.type === 'StopJob' || c.type === 'PreemptJob') running.delete(c.jobId);
        }
      }
    } catch (err) {
      heartbeatErrors++;
      if (errors.length < 5) errors.push((err as Error).message);
    }
    const waitMs = cfg.heartbeatMs - (performance.now() - t0);
    if (waitMs > 0 && !stopping) await new Promise((r) => setTimeout(r, waitMs));
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(2)) : 0;
}

const ids = Array.from({ length: cfg.nodes }, (_, i) => `soak-n${String(i).padStart(4, '0')}`);
for (const id of ids) {
  const r = await post('/v1/nodes', { id, capacity: { cpu: cfg.nodeCpus, memoryMiB: cfg.nodeMemoryMiB } });
  if (r.status !== 201) throw new Error(`register ${id}: ${r.status} ${r.text}`);
}
// Spread the nodes over the interval, as independent agents would be.
const loops = ids.map((id, i) => nodeLoop(id, (i * cfg.heartbeatMs) / cfg.nodes));
console.log('ready');
process.once('SIGTERM', () => {
  stopping = true;
  void Promise.all(loops).then(() => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const report: SoakNodesReport = {
      heartbeats, heartbeatErrors, heartbeatP50Ms: quantile(sorted, 0.5), heartbeatP99Ms: quantile(sorted, 0.99), heartbeatMaxMs: quantile(sorted, 1),
      launched, exited, errorSamples: errors,
    };
    console.log(JSON.stringify(report));
    agent.destroy();
  });
});
