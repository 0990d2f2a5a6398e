import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../client.ts';
import { readJobFile } from '../job-file.ts';
import type { JobView } from '../../wire/schemas.ts';

export function registerSubmit(program: Command): void {
  withClientOptions(program.command('submit <file>').description('submit a job spec (YAML or JSON), validated field by field'))
    .option('--tenant <id>', 'submit for this tenant (admin token only)')
    .option('--idempotency-key <key>', 'makes a retried submission safe (default: none)')
    .option('--dry-run', 'validate the file only')
    .action(async (file: string, o: ClientOptions & { tenant?: string; idempotencyKey?: string; dryRun?: boolean }) => {
      const spec = readJobFile(file);
      if (o.dryRun) return console.log(o.json ? JSON.stringify(spec) : `${file}: valid`);
      const job = await new ApiClient(o).request<JobView>('POST', '/v1/jobs', { ...spec, ...(o.tenant ? { tenant: o.tenant } : {}) }, o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {});
      console.log(o.json ? JSON.stringify(job) : `submitted ${job.id} (${job.name}) for ${job.tenant}: ${job.state}`);
    });
}
