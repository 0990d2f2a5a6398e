// Lease fencing: a job may run only while its agent holds a fresh lease from the coordinator. The coordinator declares
// a silent node lost after its node timeout T and starts the node's jobs elsewhere; if the agent's jobs always stop
// before T, the same job never runs twice at once, however the agent was cut off (frozen, partitioned, coordinator
// unreachable). Every exchange the coordinator saw renews the lease, as of the moment the request was SENT (a reply
// that sat in a socket buffer while the agent was frozen proves nothing about now). Derived from T by construction:
//   lease L = T/2, stop grace G = min(10 s, 3T/10)  ⇒  L + G ≤ 0.8·T < T
// so a job asked to stop when L runs out (agent alive: SIGTERM; agent frozen: the job's own keepalive watch) has
// checkpointed, or been killed, with at least T/5 to spare before the coordinator may reschedule it.
import { FairwayError } from '../core/util/errors.ts';

/** Below this a lease would be shorter than a loaded machine's scheduling hiccups: refuse such node timeouts. */
export const MIN_NODE_TIMEOUT_MS = 1000;
/** The longest a fenced job gets to checkpoint before SIGKILL (JobProcess's usual grace). */
export const MAX_FENCE_GRACE_MS = 10_000;

export class LeaseConfigError extends FairwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('lease_config', message, context);
  }
}

export interface LeaseTerms {
  readonly nodeTimeoutMs: number;
  /** How long after the last renewal jobs may run. */
  readonly leaseMs: number;
  /** Grace a stopping job gets to checkpoint before SIGKILL (SIGTERM sent when the lease runs out). */
  readonly graceMs: number;
  /** How often the agent sends each job a keepalive byte (fd 3) while the lease is fresh. */
  readonly keepaliveMs: number;
}

/** The lease for a coordinator node timeout; undefined for 0 (nodes never lost, so nothing to fence). */
export function leaseTerms(nodeTimeoutMs: number): LeaseTerms | undefined {
  if (!Number.isInteger(nodeTimeoutMs) || nodeTimeoutMs < 0) throw new LeaseConfigError(`node timeout must be a non-negative integer, got ${nodeTimeoutMs}`, { nodeTimeoutMs });
  if (nodeTimeoutMs === 0) return undefined;
  if (nodeTimeoutMs < MIN_NODE_TIMEOUT_MS) {
    throw new LeaseConfigError(`node timeout ${nodeTimeoutMs} ms is too short to fence jobs with a lease (at least ${MIN_NODE_TIMEOUT_MS} ms, or 0 for never)`, { nodeTimeoutMs });
  }
  const leaseMs = Math.floor(nodeTimeoutMs / 2);
  const graceMs = Math.min(MAX_FENCE_GRACE_MS, Math.floor((nodeTimeoutMs * 3) / 10));
  // By construction; kept as a check so a change to the fractions above cannot silently break the guarantee.
  if (leaseMs + graceMs >= nodeTimeoutMs) throw new LeaseConfigError(`lease ${leaseMs} ms + grace ${graceMs} ms must stay below the node timeout ${nodeTimeoutMs} ms`, { nodeTimeoutMs });
  return { nodeTimeoutMs, leaseMs, graceMs, keepaliveMs: Math.max(50, Math.floor(leaseMs / 4)) };
}

/** Checks that the agent renews often enough: at least 2 heartbeats per lease, so one lost exchange does not fence. */
export function checkHeartbeatFitsLease(heartbeatMs: number, terms: LeaseTerms): void {
  if (heartbeatMs * 2 > terms.leaseMs) {
    throw new LeaseConfigError(`--heartbeat-ms ${heartbeatMs} is too long for the coordinator's node timeout ${terms.nodeTimeoutMs} ms: `
      + `its lease of ${terms.leaseMs} ms needs at least 2 heartbeats (use --heartbeat-ms ≤ ${Math.floor(terms.leaseMs / 2)})`, { heartbeatMs, ...terms });
  }
}

/** The agent's lease, on an injected clock (ms). Fresh from the first renewal until `leaseMs` after the last one. */
export class Lease {
  private renewedAtMs: number | undefined;
  constructor(readonly terms: LeaseTerms) {}

  /** An exchange the coordinator saw, sent at `sentAtMs`; an older send time than the last renewal changes nothing. */
  renew(sentAtMs: number): void {
    if (this.renewedAtMs === undefined || sentAtMs > this.renewedAtMs) this.renewedAtMs = sentAtMs;
  }

  fresh(nowMs: number): boolean {
    return this.renewedAtMs !== undefined && nowMs - this.renewedAtMs < this.terms.leaseMs;
  }

  /** How long since the last renewal (undefined before the first). */
  ageMs(nowMs: number): number | undefined {
    return this.renewedAtMs === undefined ? undefined : nowMs - this.renewedAtMs;
  }
}
