// A plain, ordered, JSON-friendly copy of the control state: compare two states (replay checks), persist, or show.
import type { ControlState } from './state.ts';

export interface ExportedState {
  readonly tenants: readonly unknown[];
  readonly nodes: readonly unknown[];
  readonly jobs: readonly unknown[];
  readonly pending: readonly string[];
  readonly running: readonly string[];
  readonly profiler: unknown;
  readonly fairnessWindow: unknown;
  readonly timerSeq: number;
  readonly cycles: number;
  readonly reservations: unknown;
}

const byKey = <T>(m: Map<string, T>): [string, T][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function exportState(state: ControlState): ExportedState {
  return {
    tenants: byKey(state.tenants).map(([, t]) => ({ tenant: t.tenant, alloc: [...t.alloc], ...(t.held.some((x) => x !== 0) ? { held: [...t.held] } : {}), pendingDemand: [...t.pendingDemand] })),
    nodes: byKey(state.nodes).map(([, n]) => ({ node: n.node, alloc: [...n.alloc], datasets: [...n.cachedDatasets].sort(), jobs: [...n.jobs].sort(), lastHeartbeatMs: n.lastHeartbeatMs })),
    // The node table is a cache of the above; compare its contents, not its identity.
    jobs: byKey(state.jobs).map(([, j]) => ({ ...j, runningView: undefined, taskClasses: undefined, queue: j.queue ? { ...j.queue } : undefined })),
    pending: [...state.pending.keys()],
    running: [...state.running.keys()].sort(),
    profiler: state.profiler.export(),
    fairnessWindow: state.monitor.export(),
    timerSeq: state.timerSeq,
    cycles: state.cycles,
    reservations: state.reservations,
  };
}
