// A tenant (a team or customer) sharing the cluster.
import { InvalidInputError } from '../util/errors.ts';
import { type Resources, validateResources } from './resources.ts';

/** SLA tiers, best first. The tier is the strongest term of a job's priority. */
export const TIERS = ['platinum', 'gold', 'silver', 'bronze'] as const;
export type Tier = (typeof TIERS)[number];

export interface Tenant {
  readonly id: string;
  /** Relative share of the cluster: a tenant of weight 2 is entitled to twice the share of weight 1. */
  readonly weight: number;
  readonly tier: Tier;
  /** Resources this tenant is guaranteed (may preempt others' preemptible jobs to get them back). */
  readonly guaranteed: Resources;
  /** Hard upper bound on what this tenant may hold at once, if any. */
  readonly cap?: Resources;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

export function validateId(id: unknown, what: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new InvalidInputError(`${what} must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(id)}`, { field: what, value: id });
  }
  return id;
}

export function validateTenant(t: Tenant): Tenant {
  validateId(t.id, 'tenant.id');
  if (typeof t.weight !== 'number' || !Number.isFinite(t.weight) || t.weight <= 0 || t.weight > 1e6) {
    throw new InvalidInputError(`tenant.weight must be a positive finite number up to 1e6, got ${String(t.weight)}`, { field: 'tenant.weight', value: t.weight });
  }
  if (!TIERS.includes(t.tier)) {
    throw new InvalidInputError(`tenant.tier must be one of ${TIERS.join(', ')}, got ${JSON.stringify(t.tier)}`, { field: 'tenant.tier', value: t.tier });
  }
  validateResources(t.guaranteed, 'tenant.guaranteed');
  if (t.cap) validateResources(t.cap, 'tenant.cap');
  return t;
}
