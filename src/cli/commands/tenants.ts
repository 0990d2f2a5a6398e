import type { Command } from 'commander';
import { ApiClient, fmtCpu, printTable, withClientOptions, type ClientOptions } from '../client.ts';
import type { TenantView, TenantWithToken } from '../../wire/schemas.ts';

const num = (v: string): number => Number(v);

export function registerTenants(program: Command): void {
  const tenants = withClientOptions(program.command('tenants').description('list tenants; subcommands create, update, rotate-token (admin)'))
    .action(async (o: ClientOptions) => {
      const { tenants: list } = await new ApiClient(o).request<{ tenants: TenantView[] }>('GET', '/v1/tenants');
      if (o.json) return console.log(JSON.stringify(list));
      printTable(['TENANT', 'WEIGHT', 'TIER', 'QUOTA CPU', 'QUOTA GPU', 'CAP CPU'], list.map((t) => [t.id, t.weight, t.tier, fmtCpu(t.quota.cpuMilli), t.quota.gpuMilli / 1000, t.cap ? fmtCpu(t.cap.cpuMilli) : '-']));
    });
  const body = (o: { weight?: number; tier?: string; quotaCpu?: number; quotaGpu?: number; quotaMem?: number; capCpu?: number; capGpu?: number; capMem?: number }): Record<string, unknown> => ({
    ...(o.weight !== undefined ? { weight: o.weight } : {}),
    ...(o.tier !== undefined ? { tier: o.tier } : {}),
    ...(o.quotaCpu !== undefined || o.quotaGpu !== undefined || o.quotaMem !== undefined ? { quota: { ...(o.quotaCpu !== undefined ? { cpu: o.quotaCpu } : {}), ...(o.quotaGpu !== undefined ? { gpu: o.quotaGpu } : {}), ...(o.quotaMem !== undefined ? { memoryMiB: o.quotaMem } : {}) } } : {}),
    ...(o.capCpu !== undefined || o.capGpu !== undefined || o.capMem !== undefined ? { cap: { ...(o.capCpu !== undefined ? { cpu: o.capCpu } : {}), ...(o.capGpu !== undefined ? { gpu: o.capGpu } : {}), ...(o.capMem !== undefined ? { memoryMiB: o.capMem } : {}) } } : {}),
  });
  const shareOptions = (c: Command): Command => c
    .option('--weight <w>', 'relative share', num).option('--tier <tier>', 'platinum | gold | silver | bronze')
    .option('--quota-cpu <cores>', 'guaranteed cores', num).option('--quota-gpu <gpus>', 'guaranteed GPUs', num).option('--quota-mem <MiB>', 'guaranteed memory', num)
    .option('--cap-cpu <cores>', 'most cores at once', num).option('--cap-gpu <gpus>', 'most GPUs at once', num).option('--cap-mem <MiB>', 'most memory at once', num);
  withClientOptions(shareOptions(tenants.command('create <id>').description('create a tenant and print its token (shown once)')))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<ClientOptions & Parameters<typeof body>[0]>();
      const r = await new ApiClient(o).request<TenantWithToken>('POST', '/v1/tenants', { id, ...body(o) });
      if (o.json) return console.log(JSON.stringify(r));
      console.log(`created tenant ${r.tenant.id} (weight ${r.tenant.weight}, ${r.tenant.tier})`);
      console.log(`token (shown once, keep it safe): ${r.token}`);
    });
  withClientOptions(shareOptions(tenants.command('update <id>').description('change weight, tier, quota or cap')))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<ClientOptions & Parameters<typeof body>[0]>();
      const t = await new ApiClient(o).request<TenantView>('PATCH', `/v1/tenants/${encodeURIComponent(id)}`, body(o));
      console.log(o.json ? JSON.stringify(t) : `updated tenant ${t.id}: weight ${t.weight}, ${t.tier}`);
    });
  withClientOptions(tenants.command('rotate-token <id>').description('replace the tenant token (the old one stops working)'))
    .action(async (id: string, _o: unknown, cmd: Command) => {
        const o = cmd.optsWithGlobals<ClientOptions>();
      const r = await new ApiClient(o).request<TenantWithToken>('POST', `/v1/tenants/${encodeURIComponent(id)}/token`);
      console.log(o.json ? JSON.stringify(r) : `new token for ${id} (shown once): ${r.token}`);
    });
}
