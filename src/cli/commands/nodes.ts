import type { Command } from 'commander';
import { ApiClient, fmtCpu, printTable, withClientOptions, type ClientOptions } from '../client.ts';
import type { NodeView } from '../../wire/schemas.ts';

export function registerNodes(program: Command): void {
  const nodes = withClientOptions(program.command('nodes').description('list nodes; subcommands drain, undrain (admin)'))
    .action(async (o: ClientOptions) => {
      const { nodes: list } = await new ApiClient(o).request<{ nodes: NodeView[] }>('GET', '/v1/nodes');
      if (o.json) return console.log(JSON.stringify(list));
      printTable(['NODE', 'STATUS', 'CPU used/cap', 'GPU used/cap', 'MEM MiB used/cap', 'LAST HEARTBEAT'], list.map((n) => [
        n.id, n.status, `${fmtCpu(n.allocated.cpuMilli)}/${fmtCpu(n.capacity.cpuMilli)}`, `${n.allocated.gpuMilli / 1000}/${n.capacity.gpuMilli / 1000}`,
        `${n.allocated.memMiB}/${n.capacity.memMiB}`, n.lastHeartbeatAt ?? '-',
      ]));
    });
  for (const action of ['drain', 'undrain'] as const) {
    withClientOptions(nodes.command(`${action} <id>`).description(action === 'drain' ? 'place no new work on the node' : 'place work on the node again'))
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const o = cmd.optsWithGlobals<ClientOptions>();
        const n = await new ApiClient(o).request<NodeView>('POST', `/v1/nodes/${encodeURIComponent(id)}/${action}`);
        console.log(o.json ? JSON.stringify(n) : `${n.id}: ${n.status}`);
      });
  }
}
