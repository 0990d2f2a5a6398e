import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../client.ts';
import type { LogList } from '../../wire/schemas.ts';

export function registerLogs(program: Command): void {
  withClientOptions(program.command('logs <id>').description("print a job's log lines"))
    .option('--after <seq>', 'only lines after this sequence number', '0')
    .action(async (id: string, o: ClientOptions & { after: string }) => {
      const c = new ApiClient(o);
      let after = o.after;
      for (;;) {
        const page = await c.request<LogList>('GET', `/v1/jobs/${encodeURIComponent(id)}/logs?after=${encodeURIComponent(after)}`);
        for (const l of page.lines) console.log(o.json ? JSON.stringify(l) : l.stream === 'stderr' ? `[stderr] ${l.line}` : l.line);
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
    });
}
