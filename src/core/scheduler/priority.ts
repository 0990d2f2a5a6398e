// Fairway's job priority: one formula (docs/scheduler.md §Priority). Higher goes first.
//
//   P = wTier·tier + wClass·class + wWeight·clamp(50·log2(weight), −100, 100)
//     + wUrgency·200·clamp(1 − slack / urgencyHorizonMs, 0, 1)         slack = deadline − now − expectedDuration
//     + wAging·(100·waitMs / agingUnitMs + min(10·postponements, 200))
//     + wFairness·200·boost                                            boost = max(monitor boost, (fair − share)/fair)
//
// A job is STARVING when waitMs ≥ starvationGuardMs and its tenant holds no more than its fair share; then
//   P = 1e6 + 100·waitMs / agingUnitMs        (starving jobs first, oldest first)
//
// tier: platinum 300, gold 200, silver 100, bronze 0; class: critical 300, high 200, normal 100, low 0.
// Every term but aging is bounded (together < 1,400 points), so aging alone lifts any job over a fresh one within
// 14 aging units. The STARVING rule bounds the wait of a job whose tenant is within its fair share: after the guard
// no later arrival overtakes it, and the cycle holds nodes for it (profile blocking 'starving'; others may backfill
// them only without delaying its estimated start, backfill.ts) until running work drains — so it waits at most
// starvationGuardMs + the longest running job + one cycle interval.
import type { Tier } from '../domain/tenant.ts';
import type { PriorityClass } from '../domain/job.ts';
import type { TenantScratch } from './cycle-state.ts';
import type { PendingJob } from './snapshot.ts';

export interface PriorityWeights {
  readonly tier: number;
  readonly class: number;
  readonly weight: number;
  readonly urgency: number;
  readonly aging: number;
  readonly fairness: number;
  readonly agingUnitMs: number;
  readonly urgencyHorizonMs: number;
  /** Wait after which a job of a tenant within its fair share is lifted above all others; Infinity disables. */
  readonly starvationGuardMs: number;
}

export const DEFAULT_PRIORITY_WEIGHTS: PriorityWeights = {
  tier: 1,
  class: 1,
  weight: 1,
  urgency: 1,
  aging: 1,
  fairness: 1,
  agingUnitMs: 60_000,
  urgencyHorizonMs: 3_600_000,
  // Two hours: long enough that ordinary queueing on a busy training cluster does not trigger reservations (which
  // idle the held nodes while they drain), short enough to bound starvation; see docs/scheduler.md.
  starvationGuardMs: 2 * 3_600_000,
};

export const STARVING_LIFT = 1e6;

const TIER_POINTS: Readonly<Record<Tier, number>> = { platinum: 300, gold: 200, silver: 100, bronze: 0 };
const CLASS_POINTS: Readonly<Record<PriorityClass, number>> = { critical: 300, high: 200, normal: 100, low: 0 };

export interface PriorityBreakdown {
  readonly total: number;
  readonly tier: number;
  readonly class: number;
  readonly weight: number;
  readonly urgency: number;
  readonly aging: number;
  readonly fairness: number;
  readonly starving: boolean;
  readonly waitMs: number;
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** Fairness boost of a tenant, 0..1: the monitor's boost or how far it is below its fair share, whichever is larger. */
export function fairnessBoost(tenant: TenantScratch | undefined): number {
  if (!tenant) return 0;
  let boost = clamp(tenant.usage.fairnessBoost ?? 0, 0, 1);
  const fair = tenant.fairShare;
  if (fair > 0) boost = Math.max(boost, clamp((fair - tenant.dominantShare()) / fair, 0, 1));
  return boost;
}

/** The per-tenant inputs of the formula; a caller ranking many jobs at once computes them once per tenant. */
export interface TenantTerms {
  readonly boost: number;
  readonly withinShare: boolean;
}

export function tenantTerms(tenant: TenantScratch | undefined): TenantTerms {
  return {
    boost: fairnessBoost(tenant),
    withinShare: !tenant || !(tenant.fairShare >= 0) || tenant.dominantShare() <= tenant.fairShare + 1e-9,
  };
}

export function computePriority(job: PendingJob, tenant: TenantScratch | undefined, now: number, w: PriorityWeights, terms: TenantTerms = tenantTerms(tenant)): PriorityBreakdown {
  const spec = job.spec;
  const waitMs = Math.max(0, now - (job.enqueuedAtMs ?? spec.submittedAtMs));
  const tier = tierTerm(tenant, w);
  const cls = w.class * CLASS_POINTS[spec.priorityClass];
  const weight = weightTerm(tenant, w);
  const urgency = urgencyTerm(spec, now, w);
  const aging = agingTerm(job, waitMs, w);
  const fairness = w.fairness * 200 * terms.boost;
  const withinShare = terms.withinShare;
  const starving = waitMs >= w.starvationGuardMs && withinShare;
  // Starving jobs go first, oldest first (their other terms no longer count): that is what bounds their wait.
  const total = starving ? STARVING_LIFT + (100 * waitMs) / w.agingUnitMs : tier + cls + weight + urgency + aging + fairness;
  return { total, tier, class: cls, weight, urgency, aging, fairness, starving, waitMs };
}

/**
 * computePriority(...).total without building the breakdown: the queue sort ranks every pending job each cycle, so
 * this runs pending-count times per cycle and allocates nothing. Same formula (checked against computePriority).
 */
export function priorityTotal(job: PendingJob, tenant: TenantScratch | undefined, now: number, w: PriorityWeights, terms: TenantTerms): number {
  const spec = job.spec;
  const waitMs = Math.max(0, now - (job.enqueuedAtMs ?? spec.submittedAtMs));
  if (waitMs >= w.starvationGuardMs && terms.withinShare) return STARVING_LIFT + (100 * waitMs) / w.agingUnitMs;
  const tier = tierTerm(tenant, w);
  const cls = w.class * CLASS_POINTS[spec.priorityClass];
  const weight = weightTerm(tenant, w);
  const urgency = urgencyTerm(spec, now, w);
  const aging = agingTerm(job, waitMs, w);
  return tier + cls + weight + urgency + aging + w.fairness * 200 * terms.boost;
}

// The terms both functions above add up (one formula, documented in docs/scheduler.md).
function tierTerm(tenant: TenantScratch | undefined, w: PriorityWeights): number {
  return w.tier * (tenant ? TIER_POINTS[tenant.tenant.tier] : 0);
}

function weightTerm(tenant: TenantScratch | undefined, w: PriorityWeights): number {
  return w.weight * (tenant ? clamp(50 * Math.log2(tenant.tenant.weight), -100, 100) : 0);
}

function urgencyTerm(spec: PendingJob['spec'], now: number, w: PriorityWeights): number {
  if (spec.deadlineMs === undefined) return 0;
  const slack = spec.deadlineMs - now - (spec.expectedDurationMs ?? 0);
  return w.urgency * 200 * clamp(1 - slack / w.urgencyHorizonMs, 0, 1);
}

function agingTerm(job: PendingJob, waitMs: number, w: PriorityWeights): number {
  return w.aging * ((100 * waitMs) / w.agingUnitMs + Math.min(10 * (job.postponements ?? 0), 200));
}
