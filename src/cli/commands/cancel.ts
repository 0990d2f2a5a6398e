import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../client.ts';
import type { JobView } from '../../wire/schemas.ts';

export function registerCancel(program: Command): void {
  withClientOptions(program.command('cancel <id>').description('cancel a job (stops it if running)'))
    .action(async (id: string, o: ClientOptions) => {
      const j = await new ApiClient(o).request<JobView>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
      console.log(o.json ? JSON.stringify(j) : `${j.id}: ${j.state}`);
    });
}
