// Plain inputs and outputs of the predictive load balancer, so that it can be wired into the control reducer and the
// simulator by whoever merges (DESIGN.md §2: core/balance). Loads are fractions of a node's capacity on its dominant
// dimension (1 = full); forecasts are h-step means and standard errors in the same unit, one step = `stepMs`.
import type { Dimension, Resources } from '../domain/resources.ts';
import type { Migration, Reason } from '../domain/plan.ts';

export interface LoadForecast {
  readonly mean: readonly number[];
  readonly se: readonly number[];
}

export interface BalancerNode {
  readonly id: string;
  readonly capacity: Resources;
  /** Nodes that are not ready neither send nor receive. */
  readonly ready: boolean;
  /** Last measured load (fraction of capacity). */
  readonly load: number;
  /** Forecast of the load for the next steps (from core/forecast, computed incrementally outside the cycle). */
  readonly forecast: LoadForecast;
}

export interface BalancerJob {
  readonly id: string;
  readonly tenantId: string;
  readonly nodeId: string;
  readonly request: Resources;
  readonly migratable: boolean;
  /** Size of the state to move (checkpoint snapshot). */
  readonly snapshotMiB: number;
  /** Time since the last checkpoint: progress lost if the job restarts from it. */
  readonly checkpointAgeMs: number;
  /** Expected remaining run time, when known: a job that ends before the overload is not worth moving. */
  readonly remainingMs?: number;
}

export interface TenantDemand {
  readonly tenantId: string;
  /** Current queued + running demand, in GPU-milli (or the dimension the operator forecasts). */
  readonly currentMilli: number;
  readonly forecast: LoadForecast;
}

export interface BalancerConfig {
  readonly dimension: Dimension;
  readonly stepMs: number;
  /** Steps of the forecast to look at (H). */
  readonly horizonSteps: number;
  /** A node is overloaded above this load. */
  readonly highWatermark: number;
  /** A node can receive work while its predicted load stays under this. */
  readonly lowWatermark: number;
  /** Hysteresis: an overloaded node stays marked until its prediction falls below high - margin. */
  readonly hysteresis: number;
  /** Upper prediction bound = mean + z * se. */
  readonly z: number;
  readonly bandwidthMbps: number;
  /** Migrate only when benefit >= ratio * cost. */
  readonly minBenefitRatio: number;
  readonly maxMigrationsPerCycle: number;
  readonly maxMigrationsPerHour: number;
  /** A job that migrated is not moved again within this time (no ping-pong). */
  readonly jobCooldownMs: number;
  /** Tenant demand rising by at least this fraction (and minRiseMilli) gets capacity kept for it. */
  readonly demandRiseFraction: number;
  readonly minRiseMilli: number;
  /**
   * Which receiver takes a job: 'emptiest' (lowest predicted peak after the move) or 'fullest' (highest that still
   * stays under the low watermark: best fit, so empty nodes stay whole for gangs). Default 'emptiest'.
   */
  readonly receiver: 'emptiest' | 'fullest';
}

export const DEFAULT_BALANCER_CONFIG: BalancerConfig = Object.freeze({
  dimension: 'gpuMilli',
  stepMs: 60_000,
  horizonSteps: 10,
  highWatermark: 0.9,
  lowWatermark: 0.6,
  hysteresis: 0.05,
  z: 1,
  bandwidthMbps: 10_000,
  minBenefitRatio: 1.5,
  maxMigrationsPerCycle: 8,
  maxMigrationsPerHour: 60,
  jobCooldownMs: 30 * 60_000,
  demandRiseFraction: 0.2,
  minRiseMilli: 1000,
  receiver: 'emptiest',
});

/** What the balancer remembers between cycles (hysteresis, rate limit, cooldowns). A value: the caller keeps it. */
export interface BalancerState {
  readonly hotNodes: readonly string[];
  /** jobId -> time of its last migration and the node it left. */
  readonly lastMigration: Readonly<Record<string, { readonly atMs: number; readonly fromNodeId: string }>>;
  /** Times of recent migrations (for the hourly limit). */
  readonly recentMs: readonly number[];
}

export const INITIAL_BALANCER_STATE: BalancerState = Object.freeze({ hotNodes: [], lastMigration: {}, recentMs: [] });

export interface NodeVerdict {
  readonly nodeId: string;
  /** Highest upper bound over the horizon. */
  readonly predictedPeak: number;
  /** First step (1-based) where the upper bound crosses the high watermark; 0 if none. */
  readonly firstOverloadStep: number;
}

export interface CapacityReservation {
  readonly tenantId: string;
  readonly milli: number;
  readonly reason: Reason;
}

export interface PlannedMigration extends Migration {
  readonly costMs: number;
  readonly benefitMs: number;
}

export interface BalancerInput {
  readonly nowMs: number;
  readonly nodes: readonly BalancerNode[];
  readonly jobs: readonly BalancerJob[];
  readonly tenants?: readonly TenantDemand[];
  readonly config?: Partial<BalancerConfig>;
  readonly state?: BalancerState;
}

export interface BalancerResult {
  readonly overloaded: readonly NodeVerdict[];
  readonly underloaded: readonly NodeVerdict[];
  readonly migrations: readonly PlannedMigration[];
  /** Hot nodes left as they are, with why (no candidate, rate limit, no target, not worth it). */
  readonly unresolved: readonly { readonly nodeId: string; readonly reason: Reason }[];
  readonly reservations: readonly CapacityReservation[];
  readonly state: BalancerState;
}
