// `npm run bench -- node-forecasts [--json] [--nodes 10,100] [--steps 150]`: what one forecast step of the
// coordinator's dashboard forecaster (src/server/node-forecasts.ts) costs on the event loop — observe every node's
// CPU, GPU and memory load, refit/update its ARIMA(1,0,1) series, forecast 12 steps — per step (mean, p50, p99, max),
// and the same with auto-ARIMA order selection and no staggering (the balancer bank's configuration), which is why the
// coordinator does not use that for the dashboard.
import { NodeLoadForecasts } from '../src/server/node-forecasts.ts';
import { ForecastBank } from '../src/core/forecast/forecast-bank.ts';
import { nodeLoadKey } from '../src/core/balance/from-forecasts.ts';
import type { Node } from '../src/core/domain/node.ts';
import { DIMENSIONS } from '../src/core/domain/resources.ts';
import { createRng } from '../src/core/util/rng.ts';

interface Figures { nodes: number; series: number; steps: number; meanMs: number; p50Ms: number; p99Ms: number; maxMs: number }

function summarise(nodes: number, series: number, ms: number[]): Figures {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number): number => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2));
  return { nodes, series, steps: ms.length, meanMs: Number((ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1) };
}

/** Loads that revert to a node-specific level with noise (AR(1)), as fractions of capacity. */
function loads(n: number, steps: number): number[][] {
  const rng = createRng(42);
  return Array.from({ length: n }, () => {
    const level = 0.2 + 0.6 * rng.next();
    let x = level;
    return Array.from({ length: steps }, () => (x = Math.min(1, Math.max(0, level + 0.7 * (x - level) + 0.08 * (rng.next() - 0.5)))));
  });
}

function coordinatorForecaster(n: number, steps: number): Figures {
  const nodes: Node[] = Array.from({ length: n }, (_, i) => ({ id: `node-${i}`, capacity: { cpuMilli: 16_000, gpuMilli: 8000, memMiB: 65_536, netMbps: 0 }, labels: {}, status: 'ready' }));
  const x = loads(n, steps);
  const f = new NodeLoadForecasts({ stepMs: 5000 });
  const ms: number[] = [];
  for (let t = 0; t < steps; t++) {
    nodes.forEach((node, i) => {
      const l = x[i]![t]!;
      f.sample(node.id, { cpuMilli: Math.round(16_000 * l), gpuMilli: Math.round(8000 * l), memMiB: Math.round(65_536 * l), netMbps: 0 }, t * 5000);
    });
    const t0 = performance.now();
    f.tick(t * 5000, nodes, undefined);
    ms.push(performance.now() - t0);
  }
  return summarise(n, n * 3, ms);
}

function autoArimaBank(n: number, steps: number): Figures {
  const x = loads(n, steps);
  const bank = new ForecastBank({ kind: 'arima', window: 120, refitEvery: 30, minHistory: 30 });
  const ms: number[] = [];
  for (let t = 0; t < steps; t++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      for (const d of DIMENSIONS.slice(0, 3)) {
        const key = nodeLoadKey(`node-${i}`, d);
        bank.observe(key, x[i]![t]!);
        bank.forecast(key, 12);
      }
    }
    ms.push(performance.now() - t0);
  }
  return summarise(n, n * 3, ms);
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const ni = args.indexOf('--nodes');
  const sizes = (ni >= 0 ? args[ni + 1]! : '10,100').split(',').map(Number);
  const si = args.indexOf('--steps');
  const steps = si >= 0 ? Number(args[si + 1]) : 150;
  const rows = sizes.flatMap((n) => [
    { forecaster: 'coordinator: ARIMA(1,0,1), staggered refits', ...coordinatorForecaster(n, steps) },
    { forecaster: 'auto-ARIMA bank, refits in step', ...autoArimaBank(n, steps) },
  ]);
  if (json) {
    console.log(JSON.stringify({ bench: 'node-forecasts', steps, rows }));
    return;
  }
  console.log(`one forecast step (observe + refit/update + 12-step forecast per series), ${steps} steps`);
  console.log('forecaster                                      nodes  series   mean ms    p50 ms    p99 ms    max ms');
  for (const r of rows) {
    console.log(`${r.forecaster.padEnd(46)} ${String(r.nodes).padStart(6)} ${String(r.series).padStart(7)} ${r.meanMs.toFixed(2).padStart(9)} ${r.p50Ms.toFixed(2).padStart(9)} ${r.p99Ms.toFixed(2).padStart(9)} ${r.maxMs.toFixed(2).padStart(9)}`);
  }
}
