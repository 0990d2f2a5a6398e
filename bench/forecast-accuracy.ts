// `npm run bench -- forecast-accuracy [--json] [--origins N]`: rolling-origin forecast error (MASE, MAPE) of
// auto-ARIMA against naive, EWMA and Holt on the real utilisation series in ../shared/traces/utilisation, and the
// decision rule "ARIMA is the default only where it measurably beats naive" applied per series.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sharedPath } from '../src/paths.ts';
import { measurablyBeats, chooseDefault, pairedT, rollingOrigin, type MethodScore } from '../src/core/forecast/evaluation.ts';
import { makeForecaster } from '../src/core/forecast/forecaster.ts';

interface SeriesCase {
  name: string;
  description: string;
  values: number[];
  window: number;
  horizon: number;
  step: number;
}

function readCsv(file: string): string[][] {
  const buf = readFileSync(sharedPath('traces', 'utilisation', file));
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  return text.trim().split('\n').map((l) => l.split(','));
}

/** Means over consecutive blocks of `k` values (1-min -> 10-min). */
function blockMeans(v: number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + k <= v.length; i += k) {
    let s = 0;
    for (let j = i; j < i + k; j++) s += v[j]!;
    out.push(s / k);
  }
  return out;
}

function loadCases(): SeriesCase[] {
  const cases: SeriesCase[] = [];
  const philly = readCsv('philly_active_nodes_1min.csv.gz').slice(1);
  const active = philly.map((r) => Number(r[1]));
  cases.push({ name: 'philly-busy-nodes-10min', description: 'Philly busy servers, 10-min means', values: blockMeans(active, 10), window: 288, horizon: 6, step: 36 });
  cases.push({ name: 'philly-busy-nodes-1min', description: 'Philly busy servers, 1-min', values: active.slice(0, 20000), window: 240, horizon: 10, step: 120 });
  const earth = readCsv('helios_earth_vc_occupancy_1min_2020-05.csv.gz');
  const header = earth[0]!;
  const col = header.indexOf('running_gpu_num');
  const byVc = new Map<string, number[]>();
  for (const r of earth.slice(1)) {
    const vc = r[0]!;
    if (!byVc.has(vc)) byVc.set(vc, []);
    byVc.get(vc)!.push(Number(r[col]));
  }
  // The four VCs with the most GPUs in use on average: where forecasting matters most.
  const ranked = [...byVc.entries()].map(([vc, v]) => ({ vc, v, mean: v.reduce((a, b) => a + b, 0) / v.length })).sort((a, b) => b.mean - a.mean || a.vc.localeCompare(b.vc));
  for (const { vc, v } of ranked.slice(0, 4))
    cases.push({ name: `helios-${vc}-gpus-10min`, description: `Helios Earth ${vc} running GPUs, 10-min means`, values: blockMeans(v, 10), window: 288, horizon: 6, step: 48 });
  const venus = readCsv('helios_venus_throughput_10min.csv.gz');
  const sub = venus[0]!.indexOf('submit_gpu_num');
  cases.push({ name: 'venus-submitted-gpus-10min', description: 'Helios Venus GPUs requested by new jobs per 10 min (tenant demand)', values: venus.slice(1).map((r) => Number(r[sub])), window: 288, horizon: 6, step: 144 });
  const duty = readCsv('alibaba_genai_pod_gpu_duty_cycle_1min.csv.gz').slice(1);
  const pods = new Map<string, number[]>();
  for (const r of duty) {
    if (!pods.has(r[2]!)) pods.set(r[2]!, []);
    pods.get(r[2]!)!.push(Number(r[0]));
  }
  const busy = [...pods.entries()].map(([id, v]) => ({ id, v, mean: v.reduce((a, b) => a + b, 0) / v.length })).sort((a, b) => b.mean - a.mean || a.id.localeCompare(b.id));
  for (const { id, v } of busy.slice(0, 2))
    cases.push({ name: `alibaba-pod-${id.slice(0, 6)}-gpu-duty-1min`, description: 'Alibaba GenAI pod GPU duty cycle (%), 1-min', values: v, window: 240, horizon: 5, step: 60 });
  return cases;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const oi = args.indexOf('--origins');
  const maxOrigins = oi >= 0 ? Number(args[oi + 1]) : 60;
  const forecasters = [makeForecaster('naive'), makeForecaster('ewma'), makeForecaster('holt'), makeForecaster('auto-arima')];
  const rows: Array<{ series: string; description: string; n: number; origins: number; horizon: number; scores: Array<Omit<MethodScore, 'perOrigin'> & { tVsNaive: number }>; tArimaVsNaive: number; arimaDefault: boolean; chosen: string; seconds: number }> = [];
  for (const c of loadCases()) {
    const t0 = performance.now();
    const scores = rollingOrigin(c.values, forecasters, { window: c.window, horizon: c.horizon, step: c.step, maxOrigins });
    const seconds = (performance.now() - t0) / 1000;
    const naive = scores.find((s) => s.method === 'naive')!;
    const arima = scores.find((s) => s.method === 'auto-arima')!;
    rows.push({
      series: c.name,
      description: c.description,
      n: c.values.length,
      origins: naive.perOrigin.length,
      horizon: c.horizon,
      scores: scores.map(({ perOrigin, ...rest }) => ({ ...rest, tVsNaive: pairedT(perOrigin, naive.perOrigin) })),
      tArimaVsNaive: pairedT(arima.perOrigin, naive.perOrigin),
      arimaDefault: measurablyBeats(arima, naive),
      chosen: chooseDefault(scores),
      seconds,
    });
    if (!json) process.stderr.write(`${c.name}: ${seconds.toFixed(1)} s\n`);
  }
  if (json) {
    console.log(JSON.stringify({ benchmark: 'forecast-accuracy', maxOrigins, rows }));
    return;
  }
  const lines = ['| series | origins × h | naive MASE | EWMA MASE | Holt MASE | ARIMA MASE | naive MAPE % | EWMA MAPE % | Holt MAPE % | ARIMA MAPE % | t vs naive (EWMA / Holt / ARIMA) | ARIMA default? | default |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|'];
  for (const r of rows) {
    const m = (k: string) => r.scores.find((s) => s.method === k)!;
    const ks = ['naive', 'ewma', 'holt', 'auto-arima'];
    lines.push(`| ${r.series} | ${r.origins} × ${r.horizon} | ${ks.map((k) => m(k).mase.toFixed(3)).join(' | ')} | ${ks.map((k) => m(k).mape.toFixed(1)).join(' | ')} | ${['ewma', 'holt', 'auto-arima'].map((k) => m(k).tVsNaive.toFixed(2)).join(' / ')} | ${r.arimaDefault ? 'yes' : 'no'} | ${r.chosen} |`);
  }
  console.log(lines.join('\n'));
  console.log('\nARIMA models used: ' + rows.map((r) => `${r.series}: ${Object.entries(r.scores.find((s) => s.method === 'auto-arima')!.models).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k}×${v}`).join(', ')}`).join('; '));
}
