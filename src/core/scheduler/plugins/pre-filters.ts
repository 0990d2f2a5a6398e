// Pre-filter plugins: job-level checks before any node is looked at. They name the cause of a "no", and mark the
// ones that can never change as the cluster stands (`neverFits`).
import { DIMENSIONS, formatResources } from '../../domain/resources.ts';
import { DIMS, type CycleState } from '../cycle-state.ts';
import type { PreFilterPlugin, PreFilterResult, TaskView } from '../framework.ts';

/** The job's tenant must be known; its hard cap (Tenant.cap) must leave room for the whole gang. */
export const tenantPreFilter: PreFilterPlugin = {
  kind: 'preFilter',
  name: 'tenant',
  preFilter(task) {
    const t = task.tenant;
    if (!t) {
      return { neverFits: true, reason: { plugin: 'tenant', code: 'unknown-tenant', message: `tenant '${task.spec.tenantId}' is not known to the scheduler` } };
    }
    const cap = t.tenant.cap;
    if (!cap) return null;
    const n = task.spec.gangSize;
    for (let d = 0; d < DIMS; d++) {
      const dim = DIMENSIONS[d] as (typeof DIMENSIONS)[number];
      if ((t.alloc[d] as number) + (task.req[d] as number) * n > cap[dim]) {
        const never = (task.req[d] as number) * n > cap[dim];
        return {
          neverFits: never,
          reason: { plugin: 'tenant', code: 'tenant-cap', dimension: dim, message: `tenant '${t.id}' would exceed its cap (${formatResources(cap)}) in ${dim}` },
        };
      }
    }
    return null;
  },
};

/** The fairness monitor's correction: an over-consumer may not start jobs that take it above its capped share. */
export const fairnessCapPreFilter: PreFilterPlugin = {
  kind: 'preFilter',
  name: 'fairness-cap',
  preFilter(task, cycle) {
    const t = task.tenant;
    const cap = t?.usage.capDominantShare;
    if (!t || cap === undefined) return null;
    let after = 0;
    for (let d = 0; d < DIMS; d++) {
      const total = cycle.total[d] as number;
      if (total > 0) after = Math.max(after, ((t.alloc[d] as number) + (t.held[d] as number) + (task.req[d] as number) * task.spec.gangSize) / total);
    }
    if (after <= cap + 1e-9) return null;
    return {
      reason: {
        plugin: 'fairness-cap',
        code: 'fair-share-cap',
        message: `tenant '${t.id}' is capped at its fair share (${(cap * 100).toFixed(1)}% dominant) while others are under-served; this job would take it to ${(after * 100).toFixed(1)}%`,
      },
    };
  },
};

function labelsMatch(task: TaskView, cycle: CycleState, node: number): boolean {
  const labels = (cycle.nodes[node] as { labels: Readonly<Record<string, string>> }).labels;
  for (const [k, v] of task.selector) if (labels[k] !== v) return false;
  return true;
}

function memoMap(cycle: CycleState, key: string): Map<string, PreFilterResult> {
  let m = cycle.memo.get(key) as Map<string, PreFilterResult> | undefined;
  if (!m) cycle.memo.set(key, (m = new Map()));
  return m;
}

/**
 * How many tasks of this shape an empty node could hold (0 when it does not match the selector). Down nodes count:
 * they may come back, so a job is only "never fits" when no registered node could ever hold it.
 */
function slotsOnEmptyNode(task: TaskView, cycle: CycleState, node: number): number {
  if (!labelsMatch(task, cycle, node)) return 0;
  let slots = Number.POSITIVE_INFINITY;
  for (let d = 0; d < DIMS; d++) {
    const r = task.req[d] as number;
    if (r > 0) slots = Math.min(slots, Math.floor(((cycle.cap[d] as Float64Array)[node] as number) / r));
  }
  return slots;
}

/** A task must fit on at least one node when it is empty (request larger than any node, or no node with the labels). */
export const nodeCapacityPreFilter: PreFilterPlugin = {
  kind: 'preFilter',
  name: 'node-capacity',
  preFilter(task, cycle) {
    // Fast path: with no selector and a node that is largest in every dimension, "fits on some empty node" is
    // "fits on that node".
    if (task.selector.length === 0 && cycle.dominantNode >= 0 && slotsOnEmptyNode(task, cycle, cycle.dominantNode) >= 1) return null;
    const memo = memoMap(cycle, 'node-capacity');
    const key = task.shape;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let result: PreFilterResult = null;
    let any = false;
    let labelled = 0;
    for (let i = 0; i < cycle.nodeCount && !any; i++) {
      if (!labelsMatch(task, cycle, i)) continue;
      labelled++;
      if (slotsOnEmptyNode(task, cycle, i) >= 1) any = true;
    }
    if (!any) {
      if (cycle.nodeCount === 0) {
        result = { neverFits: true, reason: { plugin: 'node-capacity', code: 'no-nodes', message: 'the cluster has no nodes' } };
      } else if (labelled === 0) {
        result = { neverFits: true, reason: { plugin: 'node-capacity', code: 'no-matching-labels', message: `no node has the labels ${task.selector.map(([k, v]) => `${k}=${v}`).join(', ')}` } };
      } else {
        const dim = DIMENSIONS.find((_, d) => (task.req[d] as number) > (cycle.maxCap[d] as number));
        result = {
          neverFits: true,
          reason: {
            plugin: 'node-capacity',
            code: 'larger-than-any-node',
            ...(dim ? { dimension: dim } : {}),
            message: dim
              ? `the request per task (${dim} = ${task.req[DIMENSIONS.indexOf(dim)]}) is larger than any node's capacity (${cycle.maxCap[DIMENSIONS.indexOf(dim)]})`
              : 'no single node has all the resources one task asks for at once',
          },
        };
      }
    }
    memo.set(key, result);
    return result;
  },
};

/** A gang must fit on the whole cluster when it is empty (gang larger than the cluster never fits). */
export const gangPreFilter: PreFilterPlugin = {
  kind: 'preFilter',
  name: 'gang',
  preFilter(task, cycle) {
    const n = task.spec.gangSize;
    if (n <= 1) return null;
    const memo = memoMap(cycle, 'gang');
    const key = task.shape;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let slots = 0;
    for (let i = 0; i < cycle.nodeCount && slots < n; i++) slots += slotsOnEmptyNode(task, cycle, i);
    const result: PreFilterResult =
      slots >= n
        ? null
        : { neverFits: true, reason: { plugin: 'gang', code: 'gang-larger-than-cluster', message: `a gang of ${n} tasks needs ${n} slots; the whole cluster has ${slots} for this task shape` } };
    memo.set(key, result);
    return result;
  },
};

export const PRE_FILTER_PLUGINS: readonly PreFilterPlugin[] = [tenantPreFilter, fairnessCapPreFilter, nodeCapacityPreFilter, gangPreFilter];
