// Public API of the scheduler: snapshot types, profiles, the plugin framework and schedule().
export type { ClusterSnapshot, NodeSnapshot, RunningJob, TenantUsage, PendingJob } from './snapshot.ts';
export type { TaskView, JobQueue, QueueSortPlugin, PreFilterPlugin, FilterPlugin, ScorePlugin, SelectPlugin, ReservePlugin, Plugin, PluginKind, PreFilterResult } from './framework.ts';
export { CycleState, NodeTable, TenantScratch } from './cycle-state.ts';
export { PluginRegistry, defaultRegistry } from './registry.ts';
export { BUILTIN_PROFILES, fairwayProfile, profileNames, resolveProfile } from './profiles.ts';
export type { ProfileConfig, ResolvedProfile, NodeSearch, Blocking, FairwayOptions } from './profiles.ts';
export { ProfileError } from './profile-error.ts';
export { schedule, runCycle, INDEX_MIN_WORK } from './schedule.ts';
export type { CycleReport } from './schedule.ts';
export { computePriority, DEFAULT_PRIORITY_WEIGHTS, STARVING_LIFT } from './priority.ts';
export type { PriorityWeights, PriorityBreakdown } from './priority.ts';
