export { weightedDrfShares, dominantShareOf } from './fair-share.ts';
export type { ShareClaim } from './fair-share.ts';
export { jainIndex } from './jain.ts';
export { FairnessMonitor, measureFairness, DEFAULT_FAIRNESS_CONFIG, NO_CORRECTIONS, RHO_CAP, validateFairnessConfig } from './monitor.ts';
export type { FairnessConfig, FairnessReading, FairnessCorrections, TenantFairness, TenantLoad } from './monitor.ts';
