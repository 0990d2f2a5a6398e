// Public API of the control core: the reducer, its state and read-only queries.
export { step, buildSnapshot } from './step.ts';
export type { StepResult } from './step.ts';
export { createControlState } from './state.ts';
export type { ControlState, ControlOptions, ControlConfig, JobRecord, NodeRecord, TenantRecord, QueueEntry, LastCycle } from './state.ts';
export { explainJob, fairnessNow } from './queries.ts';
export type { JobExplanation, FairnessNow } from './queries.ts';
export { exportState } from './export.ts';
export type { ExportedState } from './export.ts';
export { BALANCER_FORECASTERS } from './balance-tick.ts';
export type { BalancerOptions, BalancerForecaster, BalanceRuntime } from './balance-tick.ts';
export { migrationBlocker } from './migrate.ts';
