import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../client.ts';
import type { JobView } from '../../wire/schemas.ts';

const collect = (v: string, prev: string[]): string[] => [...prev, ...v.split(',').filter(Boolean)];

export function registerMigrate(program: Command): void {
  withClientOptions(program.command('migrate <id>')
    .description('move a running job to other nodes (admin): it checkpoints, stops and resumes there from the same step')
    .requiredOption('--to <node>', 'target node (repeat, or comma-separate, one per task of a gang)', collect, [] as string[]))
    .action(async (id: string, o: ClientOptions & { to: string[] }) => {
      const j = await new ApiClient(o).request<JobView>('POST', `/v1/jobs/${encodeURIComponent(id)}/migrate`, { to: o.to });
      console.log(o.json ? JSON.stringify(j) : `${j.id}: ${j.state}, moving from ${j.nodeIds.join(',')} to ${o.to.join(',')} (\`fairway job ${j.id}\` shows when it has resumed)`);
    });
}
