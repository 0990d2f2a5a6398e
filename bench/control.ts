// `npm run bench -- control [--json] [--jobs N] [--profile NAME]`: the reducer under a simulator-like load — N jobs
// (default 70,000) arriving over time on 512 eight-GPU nodes, each with start/exit events, telemetry every
// 5 minutes of run time, coalesced schedule timers and fairness ticks — reporting events/s and total time.
// The simulator needs ~70,000 jobs and millions of events through step() in under 30 s.
import type { Event } from '../src/core/domain/events.ts';
import type { JobSpec } from '../src/core/domain/job.ts';
import { createControlState } from '../src/core/control/state.ts';
import { step } from '../src/core/control/step.ts';
import { Heap } from '../src/core/util/heap.ts';
import { createRng } from '../src/core/util/rng.ts';

interface Q {
  at: number;
  prio: number;
  seq: number;
  ev: Event;
  dead?: boolean;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const nIdx = args.indexOf('--jobs');
  const nJobs = nIdx >= 0 ? Number(args[nIdx + 1]) : 70_000;
  const pIdx = args.indexOf('--profile');
  const profile = pIdx >= 0 ? (args[pIdx + 1] as string) : 'fairway';
  const rng = createRng(7);
  const state = createControlState({ profile, cycleIntervalMs: 1000 });
  const heap = new Heap<Q>((a, b) => a.at < b.at || (a.at === b.at && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq))));
  let seq = 0;
  const push = (at: number, ev: Event, prio = 0): Q => {
    const q = { at, prio, seq: seq++, ev };
    heap.push(q);
    return q;
  };
  const nodes = 512;
  for (let t = 0; t < 16; t++) push(0, { type: 'TenantUpserted', atMs: 0, tenant: { id: `t${t}`, weight: 1 + (t % 3), tier: (['gold', 'silver', 'bronze'] as const)[t % 3]!, guaranteed: { cpuMilli: 0, gpuMilli: 4000 * (t % 2), memMiB: 0, netMbps: 0 } } });
  for (let i = 0; i < nodes; i++) push(0, { type: 'NodeRegistered', atMs: 0, node: { id: `n${i}`, capacity: { cpuMilli: 64_000, gpuMilli: 8000, memMiB: 512 * 1024, netMbps: 25_000 }, labels: {}, status: 'ready' } });
  // Mean job: ~2.2 GPUs × ~40 min; arrivals tuned to ~90% GPU load.
  let at = 0;
  const meanGapMs = (2.2 * 40 * 60_000) / (nodes * 8 * 0.9);
  for (let i = 0; i < nJobs; i++) {
    at += Math.round(-Math.log(1 - rng.next()) * meanGapMs);
    const r = rng.next();
    const gpus = r < 0.4 ? 1 : r < 0.7 ? 2 : r < 0.9 ? 4 : r < 0.97 ? 8 : 16;
    const gang = gpus > 8 ? gpus / 8 : 1;
    const per = gang > 1 ? 8 : gpus;
    const job: JobSpec = {
      id: `j${i}`,
      tenantId: `t${rng.int(16)}`,
      request: { cpuMilli: per * 4000, gpuMilli: per * 1000, memMiB: per * 32 * 1024, netMbps: 0 },
      gangSize: gang,
      priorityClass: (['high', 'normal', 'normal', 'low'] as const)[rng.int(4)]!,
      submittedAtMs: at,
      expectedDurationMs: Math.round(-Math.log(1 - rng.next()) * 40 * 60_000) + 1000,
      preemptible: rng.next() < 0.7,
      migratable: true,
      kind: 'train',
    };
    push(at, { type: 'JobSubmitted', atMs: at, job });
  }
  const exits = new Map<string, Q[]>();
  let events = 0;
  let commands = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let q = heap.pop(); q !== undefined; q = heap.pop()) {
    if (q.dead) continue;
    events++;
    const { commands: out } = step(state, q.ev, q.at, rng);
    commands += out.length;
    for (const c of out) {
      if (c.type === 'SetTimer') push(c.atMs, { type: 'TimerFired', atMs: c.atMs, timerId: c.timerId, purpose: c.purpose }, 1);
      else if (c.type === 'LaunchJob') {
        const spec = state.jobs.get(c.jobId)!.spec;
        const dur = spec.expectedDurationMs!;
        const list: Q[] = [push(q.at, { type: 'JobStarted', atMs: q.at, jobId: c.jobId })];
        for (let s = 300_000; s < dur; s += 300_000) {
          list.push(push(q.at + s, { type: 'TelemetrySampled', atMs: q.at + s, sample: { nodeId: c.nodeIds[0]!, jobId: c.jobId, atMs: q.at + s, used: { ...spec.request, memMiB: Math.round(spec.request.memMiB * 0.6) } } }));
        }
        list.push(push(q.at + dur, { type: 'ProcessExited', atMs: q.at + dur, jobId: c.jobId, exitCode: 0 }));
        exits.set(c.jobId, list);
      } else if (c.type === 'PreemptJob' || c.type === 'StopJob') {
        for (const x of exits.get(c.jobId) ?? []) x.dead = true;
        exits.delete(c.jobId);
      }
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const done = [...state.jobs.values()].filter((j) => j.state === 'succeeded').length;
  const result = { jobs: nJobs, profile, events, commands, cycles: state.cycles, succeeded: done, wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), eventsPerSec: Math.round(events / (wallMs / 1000)), simulatedHours: Math.round(at / 3_600_000) };
  if (json) console.log(JSON.stringify({ bench: 'control', results: [result] }));
  else console.table([result]);
}
