// `npm run bench -- forecast [--json] [--reps N]`: fit + forecast throughput on 1,000-point series for ARIMA(2,1,2)
// by ML and for auto-ARIMA, against the `arima` npm package (ctsa, C compiled to wasm) in the same run, with the
// accuracy of both against the R fixtures; and the balancer's per-cycle cost for 1,000 nodes (target < 50 ms).
import { readFileSync } from 'node:fs';
import ARIMA from 'arima';
import { sharedPath } from '../src/paths.ts';
import { createRng } from '../src/core/util/rng.ts';
import { fitArima, forecastArima, updateArima, type ArimaMethod } from '../src/core/forecast/arima.ts';
import { autoArima } from '../src/core/forecast/auto-arima.ts';
import { planBalance } from '../src/core/balance/balance.ts';
import type { BalancerJob, BalancerNode, BalancerState } from '../src/core/balance/types.ts';
import { resources } from '../src/core/domain/resources.ts';

/** ARIMA(2,1,2) with phi = (0.5, -0.3), theta = (0.4, 0.2), unit noise, from a seeded rng. */
function simulate(n: number, seed: number): number[] {
  const rng = createRng(seed);
  const e: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n + 100; i++) {
    const z = Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
    e.push(z);
    w.push(0.5 * (w[i - 1] ?? 0) - 0.3 * (w[i - 2] ?? 0) + z + 0.4 * (e[i - 1] ?? 0) + 0.2 * (e[i - 2] ?? 0));
  }
  const x: number[] = [];
  let level = 100;
  for (let i = 100; i < n + 100; i++) x.push((level += w[i]!));
  return x;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median ms per call of each contender, interleaved series by series so that both see the same machine load
 * (the CI box is shared); one warm-up pass first (JIT, wasm instantiation).
 */
function timeInterleaved(series: number[][], reps: number, fns: Array<(x: number[]) => void>): number[] {
  for (const fn of fns) for (const x of series.slice(0, 2)) fn(x);
  const t: number[][] = fns.map(() => []);
  for (let r = 0; r < reps; r++)
    for (const x of series)
      fns.forEach((fn, i) => {
        const t0 = performance.now();
        fn(x);
        t[i]!.push(performance.now() - t0);
      });
  return t.map(median);
}

interface Fixture {
  name: string;
  series: number[];
  order: [number, number, number];
  method: ArimaMethod;
  include_mean: boolean;
  include_drift: boolean;
  sigma2: number;
  forecast: { h: number; mean: number[]; se: number[] };
  chosen?: { order: [number, number, number] };
}

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(sharedPath('fixtures', 'arima', `${name}.json`), 'utf8')) as Fixture;
}

/** Forecast error against R in units of R's innovation sd, and se relative error. */
function accuracy(f: Fixture, mean: number[], se: number[]): { meanErrSd: number; seRelErr: number } {
  let m = 0;
  let s = 0;
  for (let i = 0; i < f.forecast.h; i++) {
    m = Math.max(m, Math.abs(mean[i]! - f.forecast.mean[i]!) / Math.sqrt(f.sigma2));
    s = Math.max(s, Math.abs(se[i]! / f.forecast.se[i]! - 1));
  }
  return { meanErrSd: m, seRelErr: s };
}

/** The peer prints optimiser messages on stdout/stderr even with verbose: false; keep our output one JSON object. */
function quiet<T>(fn: () => T): T {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const log = console.log;
  const warn = console.warn;
  const error = console.error;
  const sink = (() => true) as typeof process.stdout.write;
  process.stdout.write = sink;
  process.stderr.write = sink;
  console.log = console.warn = console.error = () => {};
  try {
    return fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    console.log = log;
    console.warn = warn;
    console.error = error;
  }
}

function peerForecast(x: number[], h: number, opts: { p?: number; d?: number; q?: number; auto?: boolean }): { mean: number[]; se: number[] } {
  return quiet(() => {
    const m = new ARIMA({ ...opts, verbose: false }).train(x);
    const [pred, mse] = m.predict(h);
    m.destroy();
    return { mean: pred, se: mse.map((v) => Math.sqrt(v)) };
  });
}

function balancerCluster(nNodes: number, seed: number): { nodes: BalancerNode[]; jobs: BalancerJob[] } {
  const rng = createRng(seed);
  const nodes: BalancerNode[] = [];
  const jobs: BalancerJob[] = [];
  for (let i = 0; i < nNodes; i++) {
    const id = `node-${String(i).padStart(4, '0')}`;
    let used = 0;
    for (let k = 0; k < 8 && used < 8000; k++) {
      const g = 1000 * (1 + Math.floor(rng.next() * 2));
      if (used + g > 8000 || rng.next() < 0.3) continue;
      used += g;
      jobs.push({ id: `${id}-j${k}`, tenantId: `t${k % 5}`, nodeId: id, request: resources({ gpuMilli: g }), migratable: rng.next() < 0.8, snapshotMiB: 500 + rng.next() * 20000, checkpointAgeMs: rng.next() * 1_800_000 });
    }
    const load = used / 8000;
    const trend = (rng.next() - 0.4) * 0.05;
    const mean = Array.from({ length: 10 }, (_, h) => load + trend * (h + 1));
    nodes.push({ id, capacity: resources({ gpuMilli: 8000 }), ready: true, load, forecast: { mean, se: mean.map(() => 0.02) } });
  }
  return { nodes, jobs };
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const ri = args.indexOf('--reps');
  const reps = ri >= 0 ? Number(args[ri + 1]) : 3;
  const series = [1, 2, 3, 4, 5].map((s) => simulate(1000, s));
  const h = 10;

  const [oursMl, peerMl] = timeInterleaved(series, reps, [
    (x) => forecastArima(fitArima(x, { order: [2, 1, 2], method: 'ML' }), h),
    (x) => peerForecast(x, h, { p: 2, d: 1, q: 2 }),
  ]) as [number, number];
  const [oursAuto, peerAuto] = timeInterleaved(series, 1, [(x) => autoArima(x).forecast(h), (x) => peerForecast(x, h, { auto: true })]) as [number, number];

  // Accuracy against R: the two ARIMA(2,1,2) fixtures and every d >= 1 fixture (the peer has no mean / drift term).
  const fixtureNames = ['logairpass_arima212_ml', 'sunspot_arima212_cssml', 'nile_arima011_ml', 'nile_arima111_cssml', 'wwwusage_arima111_ml', 'wwwusage_arima011_cssml', 'logairpass_arima011_cssml', 'usaccdeaths_arima111_cssml'];
  const acc = fixtureNames.map((name) => {
    const f = loadFixture(name);
    const fit = fitArima(f.series, { order: f.order, method: f.method, includeMean: f.include_mean, includeDrift: f.include_drift });
    const o = forecastArima(fit, f.forecast.h);
    const p = peerForecast(f.series, f.forecast.h, { p: f.order[0], d: f.order[1], q: f.order[2] });
    return { fixture: name, ours: accuracy(f, o.mean, o.se), peer: accuracy(f, p.mean, p.se) };
  });
  const autoNames = ['auto_wwwusage', 'auto_nile', 'auto_lakehuron', 'auto_lh', 'auto_logairpass_nonseasonal', 'auto_usaccdeaths_nonseasonal'];
  const autoAcc = autoNames.map((name) => {
    const f = loadFixture(name);
    const r = autoArima(f.series);
    const o = r.forecast(f.forecast.h);
    const p = peerForecast(f.series, f.forecast.h, { auto: true });
    return { fixture: name, sameOrder: JSON.stringify(r.fit.order) === JSON.stringify(f.chosen!.order), ours: accuracy(f, o.mean, o.se), peer: accuracy(f, p.mean, p.se) };
  });

  // Balancer: 1,000 nodes, ~3,500 jobs, forecasts given (they are maintained incrementally outside the cycle).
  const cluster = balancerCluster(1000, 42);
  // The first cycle is timed cold (JIT); then, as in a running coordinator, cycles repeat every minute.
  let state: BalancerState | undefined;
  const cycleMs: number[] = [];
  let migrations = 0;
  let firstCycleMs = 0;
  let hotNodes = 0;
  for (let c = 0; c < 40; c++) {
    const t0 = performance.now();
    const r = planBalance({ nowMs: c * 60_000, nodes: cluster.nodes, jobs: cluster.jobs, ...(state ? { state } : {}) });
    const dt = performance.now() - t0;
    if (c === 0) {
      firstCycleMs = dt;
      hotNodes = r.overloaded.length;
    }
    if (c >= 10) cycleMs.push(dt);
    state = r.state;
    migrations += r.migrations.length;
  }
  // Per-cycle forecast refresh: one new value per node through the fitted ARIMA filter (no refit).
  const base = fitArima(series[0]!.slice(0, 300), { order: [2, 1, 2], method: 'ML' });
  const fits = Array.from({ length: 1000 }, () => base);
  const refresh: number[] = [];
  for (let c = 0; c < 12; c++) {
    const t0 = performance.now();
    for (let i = 0; i < fits.length; i++) fits[i] = updateArima(fits[i]!, [series[0]![300 + c]!]);
    for (const f of fits) forecastArima(f, 10);
    if (c >= 2) refresh.push(performance.now() - t0);
  }

  const result = {
    benchmark: 'forecast',
    seriesLength: 1000,
    series: series.length,
    reps,
    arima212Ml: { oursMs: oursMl, peerMs: peerMl, oursFitsPerSec: 1000 / oursMl, peerFitsPerSec: 1000 / peerMl, speedup: peerMl / oursMl },
    autoArima: { oursMs: oursAuto, peerMs: peerAuto, speedup: peerAuto / oursAuto },
    accuracyVsR: acc,
    autoAccuracyVsR: autoAcc,
    balancer: { nodes: cluster.nodes.length, jobs: cluster.jobs.length, hotNodesFirstCycle: hotNodes, firstCycleMs, cycleMsMedian: median(cycleMs), cycleMsMax: Math.max(...cycleMs), cycles: 40, migrationsPlanned: migrations, forecastRefreshMsMedian: median(refresh), targetMs: 50 },
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  const f = (v: number, d = 1) => v.toFixed(d);
  const e = (v: number) => v.toExponential(1);
  console.log('Fit + 10-step forecast, 1,000-point series (median ms; ratio = peer / ours, > 1 means we are faster)');
  console.log(`| model | ours ms | arima (npm) ms | ratio |\n|---|---:|---:|---:|`);
  console.log(`| ARIMA(2,1,2) ML | ${f(oursMl)} | ${f(peerMl)} | ${f(peerMl / oursMl, 2)} |`);
  console.log(`| auto-ARIMA | ${f(oursAuto)} | ${f(peerAuto)} | ${f(peerAuto / oursAuto, 2)} |`);
  console.log('\nAccuracy against R (max |forecast mean − R| in units of R\'s sigma; max relative se error)');
  console.log('| fixture | ours mean | peer mean | ours se | peer se |\n|---|---:|---:|---:|---:|');
  for (const a of acc) console.log(`| ${a.fixture} | ${e(a.ours.meanErrSd)} | ${e(a.peer.meanErrSd)} | ${e(a.ours.seRelErr)} | ${e(a.peer.seRelErr)} |`);
  console.log('\n| auto fixture | same order as R | ours mean | peer mean |\n|---|---|---:|---:|');
  for (const a of autoAcc) console.log(`| ${a.fixture} | ${a.sameOrder ? 'yes' : 'no'} | ${e(a.ours.meanErrSd)} | ${e(a.peer.meanErrSd)} |`);
  console.log(`\nBalancer, ${result.balancer.nodes} nodes / ${result.balancer.jobs} jobs (${hotNodes} predicted hot): ${f(result.balancer.cycleMsMedian, 2)} ms per cycle (median of cycles 11-40; max ${f(result.balancer.cycleMsMax, 2)}; first, cold: ${f(firstCycleMs, 1)}; target < 50), ${migrations} migrations planned over 40 cycles; forecast refresh (ARIMA(2,1,2) filter step + 10-step forecast for every node): ${f(result.balancer.forecastRefreshMsMedian, 2)} ms`);
}
