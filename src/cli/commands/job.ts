import type { Command } from 'commander';
import { ApiClient, fmtCpu, withClientOptions, type ClientOptions } from '../client.ts';
import type { JobView } from '../../wire/schemas.ts';

/** The "why is my job waiting?" view, for people. */
export function describeJob(j: JobView): string[] {
  const out = [
    `job ${j.id} (${j.name}) of ${j.tenant}: ${j.state}${j.exitCode !== null ? ` (exit ${j.exitCode})` : ''}`,
    `  asks for: cpu ${fmtCpu(j.request.cpuMilli)}, gpu ${j.request.gpuMilli / 1000}, mem ${j.request.memMiB} MiB${j.gangSize > 1 ? ` × ${j.gangSize} tasks` : ''}; ${j.priorityClass} priority, ${j.kind}${j.preemptible ? ', preemptible' : ''}`,
    `  command: ${j.command.join(' ')}`,
    `  submitted ${j.submittedAt}, updated ${j.updatedAt}${j.nodeIds.length ? `, on ${j.nodeIds.join(', ')}` : ''}`,
  ];
  const w = j.waiting;
  if (w) {
    out.push(`  waiting: position ${w.position} of ${w.queueLength}${w.neverFits ? ' — no node could ever hold it as it stands' : ''}`);
    if (w.priority) out.push(`  priority: ${Object.entries(w.priority).map(([k, v]) => `${k} ${Number(v.toFixed(3))}`).join(', ')}`);
    if (w.reasons.length === 0) out.push('  not yet considered by a scheduling cycle');
    for (const r of w.reasons) out.push(`  - [${r.plugin}/${r.code}${r.dimension ? ` ${r.dimension}` : ''}] ${r.message}${r.nodes !== undefined ? ` (${r.nodes} nodes)` : ''}`);
    if (w.reservation) out.push(`  reserved: ${w.reservation.nodeIds.join(', ')} held for it since ${w.reservation.since}`);
    // How the estimate was made, or why there is none (views.ts, startEstimate).
    const how = w.estimate ? ` (${w.estimate.basis === 'none' ? w.estimate.note : `${w.estimate.basis}: ${w.estimate.note}`})` : '';
    out.push(`  estimated start: ${w.estimatedStartAt ?? 'unknown'}${how}`);
  }
  return out;
}

export function registerJob(program: Command): void {
  withClientOptions(program.command('job <id>').description('show a job, with why it is waiting when pending'))
    .action(async (id: string, o: ClientOptions) => {
      const j = await new ApiClient(o).request<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
      if (o.json) return console.log(JSON.stringify(j));
      for (const line of describeJob(j)) console.log(line);
    });
}
