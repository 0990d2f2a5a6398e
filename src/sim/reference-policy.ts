// Reference FIFO baselines, written independently of the core's scheduler so that replays can be checked against
// them (issue 3, "baseline semantics"):
// - `ref-fifo`: strict FIFO — the queue head blocks everything behind it;
// - `ref-fifo-greedy`: starts every queued job that fits, in arrival order.
// Placement is first fit over nodes in id order, task by task (a gang is all or nothing).
// For speed the state is mutated in place; it lives in the simulator, not the pure core.
import type { Command, Event, JobSpec, Resources } from '../core/domain/index.ts';
import type { Reducer } from '../runtime/reducer.ts';

interface RefNode { readonly id: string; free: { cpuMilli: number; gpuMilli: number; memMiB: number; netMbps: number }; ready: boolean }

export interface RefState {
  readonly nodes: RefNode[];
  readonly byId: Map<string, RefNode>;
  /** Waiting jobs in arrival order. */
  queue: JobSpec[];
  readonly running: Map<string, { readonly nodeIds: readonly string[]; readonly request: Resources }>;
}

export function initialRefState(): RefState {
  return { nodes: [], byId: new Map(), queue: [], running: new Map() };
}

const fitsIn = (r: Resources, f: RefNode['free']): boolean =>
  r.cpuMilli <= f.cpuMilli && r.gpuMilli <= f.gpuMilli && r.memMiB <= f.memMiB && r.netMbps <= f.netMbps;

function take(f: RefNode['free'], r: Resources, sign: 1 | -1): void {
  f.cpuMilli -= sign * r.cpuMilli;
  f.gpuMilli -= sign * r.gpuMilli;
  f.memMiB -= sign * r.memMiB;
  f.netMbps -= sign * r.netMbps;
}

/** First-fit nodes for each task of the gang, or undefined (nothing is reserved then). */
function place(state: RefState, job: JobSpec): string[] | undefined {
  const chosen: RefNode[] = [];
  for (let t = 0; t < job.gangSize; t++) {
    const node = state.nodes.find((n) => n.ready && fitsIn(job.request, n.free));
    if (!node) break;
    take(node.free, job.request, 1);
    chosen.push(node);
  }
  if (chosen.length < job.gangSize) {
    for (const n of chosen) take(n.free, job.request, -1);
    return undefined;
  }
  return chosen.map((n) => n.id);
}

function cycle(state: RefState, strict: boolean): Command[] {
  const commands: Command[] = [];
  const waiting: JobSpec[] = [];
  let blocked = false;
  // Largest free amount of any node per dimension at the start of the cycle: an upper bound all cycle long
  // (placements only shrink it), so a job asking for more per task cannot fit and needs no node scan.
  const maxFree = { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 };
  for (const n of state.nodes) {
    if (!n.ready) continue;
    maxFree.cpuMilli = Math.max(maxFree.cpuMilli, n.free.cpuMilli);
    maxFree.gpuMilli = Math.max(maxFree.gpuMilli, n.free.gpuMilli);
    maxFree.memMiB = Math.max(maxFree.memMiB, n.free.memMiB);
    maxFree.netMbps = Math.max(maxFree.netMbps, n.free.netMbps);
  }
  for (const job of state.queue) {
    const nodeIds = blocked || !fitsIn(job.request, maxFree) ? undefined : place(state, job);
    if (nodeIds) {
      state.running.set(job.id, { nodeIds, request: job.request });
      commands.push({ type: 'LaunchJob', jobId: job.id, nodeIds });
    } else {
      waiting.push(job);
      if (strict) blocked = true;
    }
  }
  state.queue = waiting;
  return commands;
}

export function referenceReducer(strict: boolean): Reducer<RefState> {
  return (state: RefState, event: Event) => {
    switch (event.type) {
      case 'NodeRegistered': {
        const n: RefNode = { id: event.node.id, free: { ...event.node.capacity }, ready: event.node.status === 'ready' };
        state.nodes.push(n);
        state.nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        state.byId.set(n.id, n);
        return { state, commands: cycle(state, strict) };
      }
      case 'JobSubmitted':
        state.queue.push(event.job);
        return { state, commands: cycle(state, strict) };
      case 'ProcessExited': {
        const r = state.running.get(event.jobId);
        if (r) {
          for (const id of r.nodeIds) {
            const n = state.byId.get(id);
            if (n) take(n.free, r.request, -1);
          }
          state.running.delete(event.jobId);
        }
        return { state, commands: cycle(state, strict) };
      }
      default:
        return { state, commands: [] };
    }
  };
}
