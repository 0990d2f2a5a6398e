// Scheduler profiles as configuration (DESIGN.md §1.4): which plugins run, with which weights, and how the cycle
// searches nodes and blocks. Baselines are profiles of the same machinery, so comparisons are honest.
import type { FilterPlugin, PreFilterPlugin, QueueSortPlugin, ReservePlugin, ScorePlugin, SelectPlugin } from './framework.ts';
import { DEFAULT_PRIORITY_WEIGHTS, type PriorityWeights } from './priority.ts';
import { ProfileError } from './profile-error.ts';
import { defaultRegistry, type PluginRegistry } from './registry.ts';

export type NodeSearch =
  /** Every node, in snapshot order. */
  | { readonly kind: 'exhaustive' }
  /**
   * The capacity index: the tightest nodes in the job's key dimension first, scoring at most maxCandidates feasible
   * ones. Cycles with pending × nodes below minWork (default 200,000) scan exhaustively: cheaper and exact there.
   */
  | { readonly kind: 'indexed'; readonly maxCandidates: number; readonly minWork?: number };

export type Blocking =
  /** A job that does not fit never holds others back (backfilling). */
  | 'none'
  /** Strict FIFO: the first job that does not fit blocks every job behind it. */
  | 'head-of-line'
  /**
   * A starving job (priority.ts) that does not fit reserves nodes where it fits when empty (filter 'reservation'
   * keeps others off them) until it starts: they drain, and it starts there.
   */
  | 'starving';

export interface ProfileConfig {
  readonly name: string;
  readonly queueSort: string;
  readonly preFilters: readonly string[];
  readonly filters: readonly string[];
  readonly scores: readonly { readonly name: string; readonly weight: number }[];
  readonly select?: string;
  readonly reserve?: readonly string[];
  readonly search?: NodeSearch;
  /** Take the first feasible node in search order without scoring the rest (first-fit baselines). */
  readonly firstFit?: boolean;
  readonly blocking?: Blocking;
  /** Preempt other tenants' preemptible jobs to restore a tenant's guaranteed quota. */
  readonly preemptForGuarantee?: boolean;
  readonly priority?: Partial<PriorityWeights>;
  /**
   * Queue depth (Slurm's default_queue_depth): a cycle considers at most this many pending jobs, the first in the
   * queue order; the rest wait with the reason 'beyond-queue-depth' until they rise into the top. Bounds the work of
   * a cycle on a deep queue (the top K are selected in O(n log K) instead of sorting all n for the static orders).
   * Default: unbounded (DEFAULT_QUEUE_DEPTH), so the simulator's figures are those of the full queue; the live
   * coordinator sets its own (`fairway server --queue-depth`, default 1,000).
   */
  readonly queueDepth?: number;
}

/** No bound: every pending job is considered in every cycle. */
export const DEFAULT_QUEUE_DEPTH = Number.POSITIVE_INFINITY;

export interface ResolvedProfile {
  readonly name: string;
  readonly config: ProfileConfig;
  readonly queueSort: QueueSortPlugin;
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
  readonly scoreWeights: readonly number[];
  readonly select: SelectPlugin;
  readonly reserve: readonly ReservePlugin[];
  readonly search: NodeSearch;
  readonly firstFit: boolean;
  readonly blocking: Blocking;
  readonly preemptForGuarantee: boolean;
  readonly priority: PriorityWeights;
  /** At most this many pending jobs per cycle (Infinity: all). */
  readonly queueDepth: number;
}

const BASE_PRE_FILTERS = ['tenant', 'node-capacity', 'gang'] as const;
// fit first: it is the filter that says no most often, so later filters run rarely.
const BASE_FILTERS = ['fit', 'node-status', 'labels'] as const;

function baseline(name: string, queueSort: string, blocking: Blocking = 'none'): ProfileConfig {
  return { name, queueSort, preFilters: BASE_PRE_FILTERS, filters: BASE_FILTERS, scores: [], search: { kind: 'exhaustive' }, firstFit: true, blocking };
}

/** Switches of the full profile, each on by default, for ablation studies. */
export interface FairwayOptions {
  readonly aging?: boolean;
  readonly fairness?: boolean;
  readonly bestFit?: boolean;
  readonly locality?: boolean;
  readonly interference?: boolean;
  readonly forecast?: boolean;
  readonly preemption?: boolean;
  /** Sub-linear node search through the capacity index (else exhaustive). */
  readonly indexed?: boolean;
  readonly maxCandidates?: number;
  readonly minWork?: number;
  readonly priority?: Partial<PriorityWeights>;
}

export function fairwayProfile(o: FairwayOptions = {}): ProfileConfig {
  const on = (x: boolean | undefined): boolean => x !== false;
  const scores: { name: string; weight: number }[] = [];
  if (on(o.bestFit)) scores.push({ name: 'best-fit', weight: 1 });
  if (on(o.locality)) scores.push({ name: 'data-locality', weight: 0.3 });
  if (on(o.interference)) scores.push({ name: 'interference', weight: 0.2 });
  if (on(o.forecast)) scores.push({ name: 'forecast-headroom', weight: 0.2 });
  const priority: Partial<PriorityWeights> = {
    ...(on(o.aging) ? {} : { aging: 0, starvationGuardMs: Number.POSITIVE_INFINITY }),
    ...(on(o.fairness) ? {} : { fairness: 0 }),
    ...o.priority,
  };
  const off = Object.entries(o).filter(([, v]) => v === false).map(([k]) => k);
  // minWork, maxCandidates and priority tweaks do not rename the profile; switches off do.
  return {
    name: off.length === 0 ? 'fairway' : `fairway-no-${off.join('-no-')}`,
    queueSort: 'priority',
    preFilters: on(o.fairness) ? ['tenant', 'fairness-cap', 'node-capacity', 'gang'] : BASE_PRE_FILTERS,
    filters: on(o.aging) ? [...BASE_FILTERS, 'reservation'] : BASE_FILTERS,
    scores,
    search: on(o.indexed) ? { kind: 'indexed', maxCandidates: o.maxCandidates ?? 8, ...(o.minWork !== undefined ? { minWork: o.minWork } : {}) } : { kind: 'exhaustive' },
    blocking: on(o.aging) ? 'starving' : 'none',
    preemptForGuarantee: on(o.preemption),
    priority,
  };
}

/** The built-in profiles by name. */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = {
  /** Strict FIFO first-fit: the queue head blocks everything behind it. */
  fifo: baseline('fifo', 'fifo', 'head-of-line'),
  /** Every queued job that fits starts, in arrival order, first-fit. */
  'fifo-greedy': baseline('fifo-greedy', 'fifo'),
  'round-robin': baseline('round-robin', 'round-robin'),
  /** YARN-style weighted fair share (on GPUs, or memory on a CPU-only cluster). */
  'fair-share': baseline('fair-share', 'fair-share'),
  /** Weighted Dominant Resource Fairness (Ghodsi et al., NSDI'11). */
  drf: baseline('drf', 'drf'),
  /** Tiresias-style least attained service first. */
  tiresias: baseline('tiresias', 'tiresias'),
  fairway: fairwayProfile(),
};

export function profileNames(): string[] {
  return Object.keys(BUILTIN_PROFILES);
}

function unique(names: readonly string[], what: string, profile: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new ProfileError(`profile '${profile}' lists ${what} plugin '${n}' twice`, { profile, plugin: n });
    seen.add(n);
  }
}

/** Resolves a profile (or a built-in name) against a registry; fails with ProfileError on any mistake. */
export function resolveProfile(profile: ProfileConfig | string, registry: PluginRegistry = defaultRegistry()): ResolvedProfile {
  let config: ProfileConfig;
  if (typeof profile === 'string') {
    const found = BUILTIN_PROFILES[profile];
    if (!found) throw new ProfileError(`unknown profile '${profile}' (known: ${profileNames().join(', ')})`, { profile });
    config = found;
  } else {
    config = profile;
  }
  const name = config.name;
  unique(config.preFilters, 'preFilter', name);
  unique(config.filters, 'filter', name);
  unique(config.scores.map((s) => s.name), 'score', name);
  unique(config.reserve ?? [], 'reserve', name);
  for (const s of config.scores) {
    if (!Number.isFinite(s.weight) || s.weight < 0) throw new ProfileError(`profile '${name}': weight of '${s.name}' must be a non-negative finite number, got ${s.weight}`, { profile: name, plugin: s.name });
  }
  const search = config.search ?? { kind: 'exhaustive' };
  if (search.kind === 'indexed' && (!Number.isInteger(search.maxCandidates) || search.maxCandidates < 1)) {
    throw new ProfileError(`profile '${name}': search.maxCandidates must be a positive integer`, { profile: name });
  }
  if (config.blocking === 'starving' && !config.filters.includes('reservation')) {
    throw new ProfileError(`profile '${name}': blocking 'starving' needs the 'reservation' filter to hold nodes`, { profile: name });
  }
  const priority: PriorityWeights = { ...DEFAULT_PRIORITY_WEIGHTS, ...config.priority };
  for (const [k, v] of Object.entries(priority)) {
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new ProfileError(`profile '${name}': priority.${k} must be a non-negative number`, { profile: name, field: k });
  }
  if (!(priority.agingUnitMs > 0) || !(priority.urgencyHorizonMs > 0)) throw new ProfileError(`profile '${name}': priority time units must be positive`, { profile: name });
  const queueDepth = config.queueDepth ?? DEFAULT_QUEUE_DEPTH;
  if (!isQueueDepth(queueDepth)) throw new ProfileError(`profile '${name}': queueDepth must be a positive integer (or Infinity), got ${String(queueDepth)}`, { profile: name, field: 'queueDepth' });
  return {
    name,
    config,
    queueSort: registry.get(config.queueSort, 'queueSort'),
    preFilters: config.preFilters.map((n) => registry.get(n, 'preFilter')),
    filters: config.filters.map((n) => registry.get(n, 'filter')),
    scores: config.scores.map((s) => registry.get(s.name, 'score')),
    scoreWeights: config.scores.map((s) => s.weight),
    select: registry.get(config.select ?? 'max-score', 'select'),
    reserve: (config.reserve ?? []).map((n) => registry.get(n, 'reserve')),
    search,
    firstFit: config.firstFit ?? false,
    blocking: config.blocking ?? 'none',
    preemptForGuarantee: config.preemptForGuarantee ?? false,
    priority,
    queueDepth,
  };
}

export function isQueueDepth(v: number): boolean {
  return v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && v >= 1);
}
