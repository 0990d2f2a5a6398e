// The plugin framework (DESIGN.md §1.4): QueueSort → PreFilter → Filter → Score → Select → Reserve, over a read-only
// snapshot plus the per-cycle scratch state in CycleState. Plugins are small objects; the hot path (filter and
// score, called once per job × candidate node) works on node indices and typed arrays, allocates nothing, and
// returns a constant reason code instead of building reasons, which the framework explains once per job.
import type { JobSpec } from '../domain/job.ts';
import type { Reason } from '../domain/plan.ts';
import type { Rng } from '../util/rng.ts';
import type { WorkloadClass } from '../profile/resource-score.ts';
import type { CycleState, TenantScratch } from './cycle-state.ts';
import type { PendingJob } from './snapshot.ts';

/** One job as the pipeline sees it while placing it (one task at a time for a gang). */
export interface TaskView {
  readonly job: PendingJob;
  readonly spec: JobSpec;
  /** Per-task request by dimension index (cpuMilli, gpuMilli, memMiB, netMbps). */
  readonly req: readonly [number, number, number, number];
  readonly tenant: TenantScratch | undefined;
  readonly cls: WorkloadClass;
  /** Key dimension for the capacity index: GPU when asked for, else the largest normalised request. */
  readonly keyDim: number;
  /** Selector as [key, value] pairs (empty when none). */
  readonly selector: readonly (readonly [string, string])[];
  /** Everything node-level filtering depends on (request, gang size, selector): equal shapes fail alike. */
  readonly shape: string;
  /** Nodes already chosen for earlier tasks of this gang in this attempt. */
  readonly chosen: number[];
}

export type PreFilterResult = null | { readonly reason: Reason; readonly neverFits?: boolean };

export interface QueueSortPlugin {
  readonly kind: 'queueSort';
  readonly name: string;
  /**
   * The queue order. With `depth` the queue need only yield the first `depth` jobs of that order (the cycle stops
   * there); static orders then select them in O(n log depth) instead of sorting everything.
   */
  createQueue(pending: readonly PendingJob[], cycle: CycleState, depth?: number): JobQueue;
}

/** The order in which a cycle considers jobs; may react to placements (fair-share and DRF re-rank tenants). */
export interface JobQueue {
  next(): PendingJob | undefined;
  placed(job: PendingJob): void;
  failed(job: PendingJob): void;
}

export interface PreFilterPlugin {
  readonly kind: 'preFilter';
  readonly name: string;
  /** Job-level check before any node is looked at; a result postpones the job with that reason. */
  preFilter(task: TaskView, cycle: CycleState): PreFilterResult;
}

export interface FilterPlugin {
  readonly kind: 'filter';
  readonly name: string;
  /** null when the node can take the task, else a constant code (no allocation on the hot path). */
  filter(task: TaskView, node: number, cycle: CycleState): string | null;
  /** Turns a code and the number of nodes it excluded into a Reason, once per postponed job. */
  explain(code: string, nodes: number, task: TaskView, cycle: CycleState): Reason;
}

export interface ScorePlugin {
  readonly kind: 'score';
  readonly name: string;
  /** 0..100, higher is better. */
  score(task: TaskView, node: number, cycle: CycleState): number;
}

export interface SelectPlugin {
  readonly kind: 'select';
  readonly name: string;
  /** True when candidate a (score, node index) should be chosen over b. Must be a strict total order. */
  better(scoreA: number, nodeA: number, scoreB: number, nodeB: number, cycle: CycleState): boolean;
}

export interface ReservePlugin {
  readonly kind: 'reserve';
  readonly name: string;
  reserve(task: TaskView, node: number, cycle: CycleState): void;
  unreserve(task: TaskView, node: number, cycle: CycleState): void;
}

export type Plugin = QueueSortPlugin | PreFilterPlugin | FilterPlugin | ScorePlugin | SelectPlugin | ReservePlugin;
export type PluginKind = Plugin['kind'];

export interface CycleInputs {
  readonly now: number;
  readonly rng: Rng;
}
