import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/util/errors.ts';
import { NodeAgent } from '../../agent/agent.ts';
import { resolveCapacity } from '../../agent/capacity.ts';
import { loadCa } from '../../wire/http-transport.ts';

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidInputError(`--${name} must be a number, got ${v}`, { field: name });
  return n;
}

function cpuSet(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new InvalidInputError(`--cpu-set must look like 0-3,6, got ${v}`, { field: 'cpuSet' });
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run a node agent: register this machine (or a declared part of it) and run the jobs placed on it')
    .option('--coordinator <url>', 'coordinator URL (or env FAIRWAY_COORDINATOR)')
    .option('--join-token <token>', 'agent join token (or env FAIRWAY_JOIN_TOKEN)')
    .option('--ca <file>', "CA certificate (PEM) to trust for an https:// coordinator (or env FAIRWAY_CA); with it, http:// is refused")
    .option('--name <id>', 'node id (default: the host name)')
    .option('--cpus <n>', 'CPUs to offer (default: all)')
    .option('--memory-mib <n>', 'memory to offer in MiB (default: all)')
    .option('--gpus <n>', 'GPUs to offer (default: all that nvidia-smi lists)')
    .option('--cpu-set <list>', 'host CPUs jobs may be pinned to, e.g. 0-3 (default: all)')
    .option('--label <k=v...>', 'node labels', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--heartbeat-ms <ms>', 'heartbeat period', '1000')
    .option('--max-processes <n>', 'most live processes one job may have; past it the job is stopped (default 256)')
    .option('--work-dir <dir>', "the agent's state (pid file of its jobs, to stop leftovers after a crash)", '.fairway/agent-<name>')
    .option('--quiet', 'no agent log lines on stderr')
    .option('--exit-with-parent', 'stop (and stop the jobs) when the process that started this agent exits (fairway up uses it)')
    .action(async (o: { coordinator?: string; joinToken?: string; ca?: string; name?: string; cpus?: string; memoryMib?: string; gpus?: string; cpuSet?: string; label: string[]; heartbeatMs: string; maxProcesses?: string; workDir: string; quiet?: boolean; exitWithParent?: boolean }) => {
      const coordinatorUrl = o.coordinator ?? process.env.FAIRWAY_COORDINATOR;
      const joinToken = o.joinToken ?? process.env.FAIRWAY_JOIN_TOKEN;
      if (!coordinatorUrl) throw new InvalidInputError('--coordinator (or FAIRWAY_COORDINATOR) is required', { field: 'coordinator' });
      if (!joinToken) throw new InvalidInputError('--join-token (or FAIRWAY_JOIN_TOKEN) is required', { field: 'joinToken' });
      const labels: Record<string, string> = {};
      for (const l of o.label) {
        const [k, ...v] = l.split('=');
        if (!k || v.length === 0) throw new InvalidInputError(`--label must be key=value, got ${l}`, { field: 'label' });
        labels[k] = v.join('=');
      }
      const cpus = num('cpus', o.cpus);
      const memoryMiB = num('memory-mib', o.memoryMib);
      const gpus = num('gpus', o.gpus);
      const set = cpuSet(o.cpuSet);
      const maxProcesses = num('max-processes', o.maxProcesses);
      if (maxProcesses !== undefined && (!Number.isInteger(maxProcesses) || maxProcesses < 1)) throw new InvalidInputError(`--max-processes must be a positive integer, got ${o.maxProcesses}`, { field: 'maxProcesses' });
      const capacity = resolveCapacity({
        ...(cpus !== undefined ? { cpus } : {}), ...(memoryMiB !== undefined ? { memoryMiB } : {}),
        ...(gpus !== undefined ? { gpus } : {}), ...(set ? { cpuSet: set } : {}),
      });
      const nodeId = (o.name ?? hostname()).slice(0, 63).replace(/[^A-Za-z0-9._-]/g, '-');
      const agent = new NodeAgent({
        coordinatorUrl, joinToken, ca: loadCa(o.ca), nodeId, ...(maxProcesses !== undefined ? { maxProcessesPerJob: maxProcesses } : {}), capacity, labels, cwd: process.cwd(),
        workDir: resolve(o.workDir.replace('<name>', nodeId)), heartbeatMs: num('heartbeat-ms', o.heartbeatMs) ?? 1000,
        ...(o.quiet ? {} : { log: (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`) }),
      });
      await agent.start();
      await new Promise<void>((resolve) => {
        const stop = (): void => { void agent.stop().then(resolve); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (o.exitWithParent) {
          // Started by `fairway up`: if it dies without stopping us (kill -9), we must not run on, jobs and all.
          const parent = process.ppid;
          setInterval(() => { if (process.ppid !== parent) stop(); }, 1000).unref();
        }
      });
    });
}
