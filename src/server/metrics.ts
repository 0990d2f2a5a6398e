// Prometheus text exposition (format 0.0.4), written by hand: a handful of gauges and counters needs no library.
import type { Coordinator } from './coordinator.ts';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(c: Coordinator, storeStats?: { commits: number; ops: number; writes?: number; commitMsTotal?: number }): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 0}`);
    }
  };
  const f = c.fairness();
  const k = c.counters;
  metric('fairway_queue_length', 'gauge', 'Jobs waiting to be placed', [[{}, c.queueLength()]]);
  metric('fairway_active_jobs', 'gauge', 'Jobs not yet finished', [[{}, c.activeJobs()]]);
  metric('fairway_submissions_total', 'counter', 'Jobs accepted (durably)', [[{}, k.submissions]]);
  metric('fairway_duplicate_submissions_total', 'counter', 'Submissions replayed with a used Idempotency-Key', [[{}, k.duplicates]]);
  metric('fairway_placements_total', 'counter', 'Jobs placed on nodes', [[{}, k.placements]]);
  metric('fairway_preemptions_total', 'counter', 'Jobs preempted and requeued (fairness, guarantees, lost nodes)', [[{}, k.preemptions]]);
  metric('fairway_cycles_total', 'counter', 'Scheduling cycles run', [[{}, k.cycles]]);
  metric('fairway_cycle_seconds_sum', 'counter', 'Time spent in scheduling cycles', [[{}, k.cycleMsTotal / 1000]]);
  metric('fairway_last_cycle_seconds', 'gauge', 'Duration of the last scheduling cycle', [[{}, k.lastCycleMs / 1000]]);
  metric('fairway_jain_index', 'gauge', "Jain's fairness index over tenants' dominant shares", [[{ kind: 'raw' }, f.jainRaw], [{ kind: 'normalised' }, f.jainNormalised]]);
  metric('fairway_tenant_share', 'gauge', 'Dominant share held by each tenant', f.tenants.map((t) => [{ tenant: t.tenant }, t.share]));
  metric('fairway_tenant_fair_share', 'gauge', 'Fair share of each active tenant', f.tenants.map((t) => [{ tenant: t.tenant }, t.fairShare]));
  metric('fairway_utilisation', 'gauge', 'Allocated share of cluster capacity per dimension', Object.entries(f.utilisation).map(([d, v]) => [{ dimension: d }, v]));
  // Memory, under the names Prometheus' own Node.js client uses, so a soak can tell a leak (heap keeps rising)
  // from the heap simply growing into its limits (RSS up, heap used flat across collections).
  const mem = process.memoryUsage();
  metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes', [[{}, mem.rss]]);
  metric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used in bytes', [[{}, mem.heapUsed]]);
  metric('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated in bytes', [[{}, mem.heapTotal]]);
  metric('fairway_core_jobs', 'gauge', "Jobs the core's state holds (pending, running, recently finished)", [[{}, c.coreJobs()]]);
  const nf = c.nodeForecasts;
  if (nf) {
    metric('fairway_forecast_steps_total', 'counter', 'Load forecast steps run (all nodes observed and forecast)', [[{}, nf.ticks]]);
    metric('fairway_forecast_step_seconds_sum', 'counter', 'Time spent in load forecast steps (on the event loop)', [[{}, nf.tickMsTotal / 1000]]);
    metric('fairway_forecast_step_seconds_max', 'gauge', 'Longest load forecast step so far', [[{}, nf.tickMsMax / 1000]]);
  }
  const grid = f.grid?.tenants ?? [];
  if (grid.length > 0) metric('fairway_tenant_grid_bytes', 'gauge', 'Bytes each tenant holds in the data grid', grid.map((g) => [{ tenant: g.tenant }, g.bytes]));
  if (storeStats) {
    metric('fairway_store_commits_total', 'counter', 'Store transactions committed (group commits)', [[{}, storeStats.commits]]);
    metric('fairway_store_ops_total', 'counter', 'Store operations committed', [[{}, storeStats.ops]]);
    metric('fairway_store_writes_total', 'counter', 'Callers whose writes were committed (writes per commit = batch size)', [[{}, storeStats.writes ?? 0]]);
    metric('fairway_store_commit_seconds_sum', 'counter', 'Time from sending a batch to its durable commit', [[{}, (storeStats.commitMsTotal ?? 0) / 1000]]);
  }
  return `${out.join('\n')}\n`;
}
