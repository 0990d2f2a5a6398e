// Filter plugins: can this node take one task of the job now? They return a constant code (hot path), explained
// once per postponed job with the number of nodes it excluded.
import { DIMENSIONS, type Dimension } from '../../domain/resources.ts';
import { DIMS, STATUS_READY } from '../cycle-state.ts';
import type { FilterPlugin } from '../framework.ts';

export const nodeStatusFilter: FilterPlugin = {
  kind: 'filter',
  name: 'node-status',
  filter: (_task, node, cycle) => (cycle.status[node] === STATUS_READY ? null : 'node-not-ready'),
  explain: (_code, nodes) => ({ plugin: 'node-status', code: 'node-not-ready', nodes, message: `${nodes} node(s) are draining or down` }),
};

const INSUFFICIENT = DIMENSIONS.map((d) => `insufficient:${d}`);

export const fitFilter: FilterPlugin = {
  kind: 'filter',
  name: 'fit',
  filter(task, node, cycle) {
    const req = task.req;
    for (let d = 0; d < DIMS; d++) {
      if ((req[d] as number) > ((cycle.free[d] as Float64Array)[node] as number)) return INSUFFICIENT[d] as string;
    }
    return null;
  },
  explain(code, nodes, task) {
    const dim = code.slice('insufficient:'.length) as Dimension;
    const want = task.req[DIMENSIONS.indexOf(dim)];
    return { plugin: 'fit', code: 'insufficient', dimension: dim, nodes, message: `${nodes} node(s) have less than ${want} ${dim} free` };
  },
};

export const labelsFilter: FilterPlugin = {
  kind: 'filter',
  name: 'labels',
  filter(task, node, cycle) {
    if (task.selector.length === 0) return null;
    const labels = (cycle.nodes[node] as { labels: Readonly<Record<string, string>> }).labels;
    for (const [k, v] of task.selector) if (labels[k] !== v) return 'label-mismatch';
    return null;
  },
  explain: (_code, nodes, task) => ({
    plugin: 'labels',
    code: 'label-mismatch',
    nodes,
    message: `${nodes} node(s) lack the labels ${task.selector.map(([k, v]) => `${k}=${v}`).join(', ')}`,
  }),
};

/** Nodes held for a starving job (the aging guarantee) take no other job. */
export const reservationFilter: FilterPlugin = {
  kind: 'filter',
  name: 'reservation',
  filter(task, node, cycle) {
    const owner = cycle.reservedBy[node];
    return owner === undefined || owner === task.spec.id ? null : 'reserved';
  },
  explain: (_code, nodes) => ({ plugin: 'reservation', code: 'reserved-for-starving-job', nodes, message: `${nodes} node(s) are held for jobs that waited past the starvation guard` }),
};

export const FILTER_PLUGINS: readonly FilterPlugin[] = [nodeStatusFilter, fitFilter, labelsFilter, reservationFilter];
