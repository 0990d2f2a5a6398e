// Score plugins: how good is this node for one task of the job, 0..100 (higher is better); the profile weights them.
import { DIMS } from '../cycle-state.ts';
import type { ScorePlugin } from '../framework.ts';
import { classIndex } from '../cycle-state.ts';

/**
 * Best fit (the seed's greedy step): least wasted normalised capacity across all dimensions. After placing the task,
 * waste = mean over the node's dimensions of leftover ÷ capacity; score = 100·(1 − waste). A node the task fills
 * exactly scores 100.
 */
export const bestFitScore: ScorePlugin = {
  kind: 'score',
  name: 'best-fit',
  score(task, node, cycle) {
    let waste = 0;
    let dims = 0;
    for (let d = 0; d < DIMS; d++) {
      const cap = (cycle.cap[d] as Float64Array)[node] as number;
      if (cap <= 0) continue;
      waste += (((cycle.free[d] as Float64Array)[node] as number) - (task.req[d] as number)) / cap;
      dims++;
    }
    return dims === 0 ? 0 : 100 * (1 - waste / dims);
  },
};

/** Data locality: 100 when the job's dataset is cached on the node, else 0 (neutral for jobs without a dataset). */
export const dataLocalityScore: ScorePlugin = {
  kind: 'score',
  name: 'data-locality',
  score(task, node, cycle) {
    const ref = task.spec.datasetRef;
    if (ref === undefined) return 0;
    return cycle.datasets[node]?.has(ref) ? 100 : 0;
  },
};

/**
 * Interference: jobs that saturate the same dimension (same workload class: compute-, memory- or I/O-bound) slow
 * each other down, so a node already running k tasks of the job's class scores 100 / (1 + k).
 */
export const interferenceScore: ScorePlugin = {
  kind: 'score',
  name: 'interference',
  score(task, node, cycle) {
    const k = (cycle.classCount[classIndex(task.cls)] as Int32Array)[node] as number;
    return 100 / (1 + k);
  },
};

/**
 * Forecast headroom (hook for the balancer): 100 when the node's forecast headroom still covers the task, else the
 * smallest covered fraction × 100. Nodes without a forecast score 100 (no information, no penalty).
 */
export const forecastHeadroomScore: ScorePlugin = {
  kind: 'score',
  name: 'forecast-headroom',
  score(task, node, cycle) {
    const h = cycle.headroom[node];
    if (!h) return 100;
    let covered = 1;
    for (let d = 0; d < DIMS; d++) {
      const r = task.req[d] as number;
      if (r > 0) covered = Math.min(covered, Math.max(0, (h[d] as number) / r));
    }
    return 100 * covered;
  },
};

export const SCORE_PLUGINS: readonly ScorePlugin[] = [bestFitScore, dataLocalityScore, interferenceScore, forecastHeadroomScore];
