import type { Command } from 'commander';
import { ApiClient, fmtCpu, printTable, withClientOptions, type ClientOptions } from '../client.ts';
import type { JobList, JobView, StreamEvent } from '../../wire/schemas.ts';

function printJobs(jobs: readonly JobView[]): void {
  printTable(['ID', 'TENANT', 'NAME', 'STATE', 'CPU', 'GPU', 'MEM MiB', 'GANG', 'NODES', 'SUBMITTED'],
    jobs.map((j) => [j.id, j.tenant, j.name, j.state, fmtCpu(j.request.cpuMilli), j.request.gpuMilli / 1000, j.request.memMiB, j.gangSize, j.nodeIds.join(',') || '-', j.submittedAt]));
}

export function registerJobs(program: Command): void {
  withClientOptions(program.command('jobs').description('list jobs, newest first; --watch follows changes live'))
    .option('--state <state>', 'only jobs in this state')
    .option('--tenant <id>', 'only this tenant (admin)')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <c>', 'next page (from the previous page)')
    .option('--watch', 'after the list, print each job change as it happens (Ctrl-C to stop)')
    .action(async (o: ClientOptions & { state?: string; tenant?: string; limit: string; cursor?: string; watch?: boolean }) => {
      const c = new ApiClient(o);
      const q = new URLSearchParams({ limit: o.limit, ...(o.state ? { state: o.state } : {}), ...(o.tenant ? { tenant: o.tenant } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) });
      const page = await c.request<JobList>('GET', `/v1/jobs?${q.toString()}`);
      if (o.json && !o.watch) return console.log(JSON.stringify(page));
      if (!o.json) {
        printJobs(page.jobs);
        if (page.nextCursor) console.log(`(more: --cursor ${page.nextCursor})`);
      }
      if (!o.watch) return;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await c.stream('/v1/events', (type, data) => {
        const e = data as StreamEvent;
        if (o.json) console.log(JSON.stringify(e));
        else if (type === 'job') console.log(`${e.at}  ${e.jobId}  ${e.tenant ?? ''}  ${e.state ?? ''}${e.data?.nodeIds ? `  on ${(e.data.nodeIds as string[]).join(',')}` : ''}`);
        else console.log(`${e.at}  ${type}  ${JSON.stringify(e.data ?? {})}`);
      }, stop.signal).catch((err: unknown) => { if (!stop.signal.aborted) throw err; });
    });
}
