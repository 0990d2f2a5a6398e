// The predictive load balancer (issue 4): from per-node load forecasts, find nodes predicted to exceed the high
// watermark within H steps and nodes predicted to stay under the low watermark; move migratable jobs from the first
// to the second when the predicted benefit (overload avoided) outweighs the cost (state transfer time plus progress
// lost since the last checkpoint). Hysteresis, a per-job cooldown and rate limits stop ping-pong; every migration
// carries its Reason. Pure and deterministic: all orders end in an id tie-break.
import type { Reason } from '../domain/plan.ts';
import type {
  BalancerConfig, BalancerInput, BalancerJob, BalancerNode, BalancerResult, BalancerState, CapacityReservation,
  NodeVerdict, PlannedMigration, TenantDemand,
} from './types.ts';
import { DEFAULT_BALANCER_CONFIG, INITIAL_BALANCER_STATE } from './types.ts';

const HOUR_MS = 3_600_000;

function upper(f: BalancerNode['forecast'], h: number, z: number): number {
  const m = f.mean[h] ?? f.mean[f.mean.length - 1] ?? 0;
  const s = f.se[h] ?? f.se[f.se.length - 1] ?? 0;
  return m + z * (Number.isFinite(s) ? s : 0);
}

function verdict(node: BalancerNode, c: BalancerConfig): NodeVerdict {
  let peak = node.load;
  let first = 0;
  const steps = Math.min(c.horizonSteps, Math.max(1, node.forecast.mean.length));
  for (let h = 0; h < steps; h++) {
    const u = upper(node.forecast, h, c.z);
    if (u > peak) peak = u;
    if (first === 0 && u > c.highWatermark) first = h + 1;
  }
  return { nodeId: node.id, predictedPeak: peak, firstOverloadStep: first };
}

/** Share of the node's capacity a job takes, on the balanced dimension. */
function share(job: BalancerJob, node: BalancerNode, c: BalancerConfig): number {
  const cap = node.capacity[c.dimension];
  return cap > 0 ? job.request[c.dimension] / cap : Infinity;
}

/** Time to move the job's state: MiB -> megabits over the link, in ms. */
export function transferMs(snapshotMiB: number, bandwidthMbps: number): number {
  return bandwidthMbps > 0 ? ((snapshotMiB * 8.388608) / bandwidthMbps) * 1000 : Infinity;
}

/** Capacity kept for tenants whose demand is predicted to rise (forecast peak over current by a margin). */
export function demandReservations(tenants: readonly TenantDemand[], c: BalancerConfig): CapacityReservation[] {
  const out: CapacityReservation[] = [];
  for (const t of [...tenants].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0))) {
    let peak = -Infinity;
    for (let h = 0; h < Math.min(c.horizonSteps, t.forecast.mean.length); h++) peak = Math.max(peak, t.forecast.mean[h]!);
    const rise = peak - t.currentMilli;
    if (Number.isFinite(rise) && rise >= c.minRiseMilli && rise >= c.demandRiseFraction * Math.max(t.currentMilli, 1)) {
      const milli = Math.round(rise);
      out.push({
        tenantId: t.tenantId,
        milli,
        reason: {
          plugin: 'balancer',
          code: 'demand-rising',
          message: `tenant ${t.tenantId}: demand predicted to rise from ${Math.round(t.currentMilli)} to ${Math.round(peak)} ${c.dimension} within ${c.horizonSteps} steps; keeping ${milli} free`,
          dimension: c.dimension,
        },
      });
    }
  }
  return out;
}

export function planBalance(input: BalancerInput): BalancerResult {
  const c: BalancerConfig = { ...DEFAULT_BALANCER_CONFIG, ...input.config };
  const prev: BalancerState = input.state ?? INITIAL_BALANCER_STATE;
  const now = input.nowMs;
  const nodes = [...input.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const wasHot = new Set(prev.hotNodes);

  // 1. Verdicts with hysteresis.
  const verdicts = new Map<string, NodeVerdict>();
  for (const n of nodes) verdicts.set(n.id, verdict(n, c));
  const hot: NodeVerdict[] = [];
  const cold: NodeVerdict[] = [];
  for (const n of nodes) {
    if (!n.ready) continue;
    const v = verdicts.get(n.id)!;
    const isHot = v.firstOverloadStep > 0 || (wasHot.has(n.id) && v.predictedPeak > c.highWatermark - c.hysteresis);
    if (isHot) hot.push(v);
    else if (v.predictedPeak < c.lowWatermark) cold.push(v);
  }
  hot.sort((a, b) => b.predictedPeak - a.predictedPeak || (a.nodeId < b.nodeId ? -1 : 1));

  // 2. Capacity kept for rising tenants: the emptiest receivers' headroom is held back first.
  const reservations = demandReservations(input.tenants ?? [], c);
  let reserveMilli = reservations.reduce((s, r) => s + r.milli, 0);

  // Per-node bookkeeping: requested resources now, and predicted peak as migrations are planned.
  const usedNow = new Map<string, number>();
  const jobsOn = new Map<string, BalancerJob[]>();
  for (const j of input.jobs) {
    usedNow.set(j.nodeId, (usedNow.get(j.nodeId) ?? 0) + j.request[c.dimension]);
    if (!jobsOn.has(j.nodeId)) jobsOn.set(j.nodeId, []);
    jobsOn.get(j.nodeId)!.push(j);
  }
  const peakAfter = new Map<string, number>();
  for (const v of verdicts.values()) peakAfter.set(v.nodeId, v.predictedPeak);
  const receivers = cold
    .map((v) => v.nodeId)
    .sort((a, b) => peakAfter.get(a)! - peakAfter.get(b)! || (a < b ? -1 : 1));
  const held = new Set<string>();
  for (const id of receivers) {
    if (reserveMilli <= 0) break;
    const n = byId.get(id)!;
    held.add(id);
    reserveMilli -= n.capacity[c.dimension] - (usedNow.get(id) ?? 0);
  }

  // 3. Rate limits.
  const recent = prev.recentMs.filter((t) => now - t < HOUR_MS);
  let budget = Math.max(0, Math.min(c.maxMigrationsPerCycle, c.maxMigrationsPerHour - recent.length));
  const lastMigration: Record<string, { atMs: number; fromNodeId: string }> = {};
  for (const [k, v] of Object.entries(prev.lastMigration)) if (now - v.atMs < 2 * c.jobCooldownMs) lastMigration[k] = v;

  const migrations: PlannedMigration[] = [];
  const unresolved: { nodeId: string; reason: Reason }[] = [];
  const limit = (nodeId: string, code: string, message: string): void => {
    unresolved.push({ nodeId, reason: { plugin: 'balancer', code, message, dimension: c.dimension } });
  };

  for (const v of hot) {
    const src = byId.get(v.nodeId)!;
    const target = c.highWatermark - c.hysteresis;
    let excess = peakAfter.get(src.id)! - target;
    if (excess <= 0) continue;
    // Overload per step if nothing moves (upper bound above the high watermark), for the benefit of each job.
    const steps = Math.min(c.horizonSteps, Math.max(1, src.forecast.mean.length));
    const over: number[] = [];
    for (let h = 0; h < steps; h++) over.push(Math.max(0, upper(src.forecast, h, c.z) - target));
    const candidates: { job: BalancerJob; s: number; cost: number; benefit: number }[] = [];
    for (const job of jobsOn.get(src.id) ?? []) {
      if (!job.migratable) continue;
      const last = lastMigration[job.id];
      if (last && now - last.atMs < c.jobCooldownMs) continue;
      const s = share(job, src, c);
      if (!(s > 0 && Number.isFinite(s))) continue;
      const cost = s * (transferMs(job.snapshotMiB, c.bandwidthMbps) + job.checkpointAgeMs);
      let benefit = 0;
      for (let h = 0; h < steps; h++) {
        if (job.remainingMs !== undefined && job.remainingMs <= h * c.stepMs) break;
        benefit += Math.min(s, over[h]!) * c.stepMs;
      }
      candidates.push({ job, s, cost, benefit });
    }
    candidates.sort((a, b) => b.benefit / Math.max(a.cost, 1e-9) - a.benefit / Math.max(b.cost, 1e-9) || (a.job.id < b.job.id ? -1 : 1));
    if (candidates.length === 0) {
      limit(src.id, 'no-migratable-job', `node ${src.id} predicted at ${(v.predictedPeak * 100).toFixed(0)}% but runs no movable job out of cooldown`);
      continue;
    }
    let movedAny = false;
    let why = '';
    for (const cand of candidates) {
      if (excess <= 0) break;
      if (budget <= 0) {
        why = 'rate-limited';
        break;
      }
      if (cand.benefit < c.minBenefitRatio * cand.cost) {
        why ||= 'not-worth-it';
        continue;
      }
      // Best receiver: lowest predicted peak after the move that stays under the low watermark and fits now.
      // `receivers` is kept sorted by predicted peak, and the peak after a move is at least the peak before it,
      // so the scan stops as soon as no later receiver can beat the best found (exact, and O(few) per job).
      let best: { id: string; after: number } | null = null;
      const fullest = c.receiver === 'fullest';
      for (const rid of receivers) {
        const base = peakAfter.get(rid)!;
        if (!fullest && best && base > best.after) break;
        if (base >= c.lowWatermark) break;
        if (held.has(rid) || rid === src.id) continue;
        const last = lastMigration[cand.job.id];
        if (last && last.fromNodeId === rid) continue; // never straight back where it came from
        const r = byId.get(rid)!;
        const free = r.capacity[c.dimension] - (usedNow.get(rid) ?? 0);
        if (free < cand.job.request[c.dimension]) continue;
        const after = base + share(cand.job, r, c);
        if (after >= c.lowWatermark) continue;
        const better = fullest ? !best || after > best.after : !best || after < best.after;
        if (better || (best && after === best.after && rid < best.id)) best = { id: rid, after };
      }
      if (!best) {
        why ||= 'no-receiver';
        continue;
      }
      const before = peakAfter.get(src.id)!;
      peakAfter.set(src.id, before - cand.s);
      peakAfter.set(best.id, best.after);
      // Keep receivers sorted by (peak, id): move the receiver to its new place.
      const at = receivers.indexOf(best.id);
      receivers.splice(at, 1);
      let lo = 0;
      let hi = receivers.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const pm = peakAfter.get(receivers[mid]!)!;
        if (pm < best.after || (pm === best.after && receivers[mid]! < best.id)) lo = mid + 1;
        else hi = mid;
      }
      receivers.splice(lo, 0, best.id);
      usedNow.set(best.id, (usedNow.get(best.id) ?? 0) + cand.job.request[c.dimension]);
      usedNow.set(src.id, (usedNow.get(src.id) ?? 0) - cand.job.request[c.dimension]);
      excess -= cand.s;
      budget--;
      recent.push(now);
      lastMigration[cand.job.id] = { atMs: now, fromNodeId: src.id };
      movedAny = true;
      const when = v.firstOverloadStep > 0 ? `in ${v.firstOverloadStep} step(s)` : 'still (hysteresis)';
      migrations.push({
        jobId: cand.job.id,
        fromNodeIds: [src.id],
        toNodeIds: [best.id],
        costMs: cand.cost,
        benefitMs: cand.benefit,
        reason: {
          plugin: 'balancer',
          code: 'predicted-overload',
          message:
            `node ${src.id} predicted at ${(before * 100).toFixed(0)}% (> ${(c.highWatermark * 100).toFixed(0)}%) ${when}; ` +
            `moving ${cand.job.id} (${(cand.s * 100).toFixed(0)}% of the node) to ${best.id} (predicted ${(best.after * 100).toFixed(0)}% after): ` +
            `benefit ${Math.round(cand.benefit)} > ${c.minBenefitRatio} × cost ${Math.round(cand.cost)} (node-fraction·ms)`,
          dimension: c.dimension,
        },
      });
    }
    if (!movedAny || excess > 0) {
      const code = why || 'not-enough';
      const messages: Record<string, string> = {
        'rate-limited': `node ${src.id}: migration rate limit reached (${c.maxMigrationsPerCycle}/cycle, ${c.maxMigrationsPerHour}/hour)`,
        'not-worth-it': `node ${src.id}: moving a job costs more than the predicted overload it would avoid`,
        'no-receiver': `node ${src.id}: no node is predicted to stay under ${(c.lowWatermark * 100).toFixed(0)}% with the job`,
        'not-enough': `node ${src.id}: planned moves do not remove the whole predicted excess`,
      };
      limit(src.id, code, messages[code] ?? code);
    }
  }

  const hotIds = hot.map((v) => v.nodeId);
  return {
    overloaded: hot,
    underloaded: cold,
    migrations,
    unresolved,
    reservations,
    state: { hotNodes: hotIds, lastMigration, recentMs: recent },
  };
}
