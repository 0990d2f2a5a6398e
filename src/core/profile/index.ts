export { Profiler } from './profiler.ts';
export type { DemandSignature, SignatureSource, ProfilerState } from './profiler.ts';
export { resourceScore, classify, normalise, DEFAULT_CLASS_WEIGHTS, WORKLOAD_CLASSES, validateClassWeights } from './resource-score.ts';
export type { WorkloadClass, ScoreWeights, ResourceScore, NormalisedDemand } from './resource-score.ts';
