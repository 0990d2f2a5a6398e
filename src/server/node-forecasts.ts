// Per-node load forecasts for the API and the dashboard (issue 8), made by the forecaster the balancer runs: a
// ForecastBank (src/core/forecast, rolling ARIMA) keyed `node/<id>/<dimension>` as in src/core/balance. Where the
// predictive balancer is on, its bank already holds the history of its dimension and its forecast is what it acts
// on, so that one is shown as is (no second history); every other dimension — and every dimension when the balancer
// is off — is forecast here from the agents' whole-node telemetry, one observation per node every `stepMs`.
// Forecasts are computed on the step (not per request), so reading /v1/cluster costs a copy.
import { nodeLoadKey } from '../core/balance/from-forecasts.ts';
import type { BalanceRuntime } from '../core/control/balance-tick.ts';
import type { Node } from '../core/domain/node.ts';
import { DIMENSIONS, type Dimension, type Resources } from '../core/domain/resources.ts';
import type { ArimaOrder } from '../core/forecast/arima.ts';
import { ForecastBank } from '../core/forecast/forecast-bank.ts';
import type { NodeForecast } from '../wire/schemas.ts';

export interface NodeForecastOptions {
  /** One observation (and forecast step) per node this often. Default 5 s. */
  readonly stepMs?: number;
  /** Steps forecast ahead. Default 12. */
  readonly horizonSteps?: number;
  /** Observations kept per node and dimension. Default 120. */
  readonly window?: number;
  /** Band half-width in standard errors (1.96: a 95 % prediction interval under normal errors). Default 1.96. */
  readonly z?: number;
  /** Observed points returned with each forecast (the chart's past). Default 60. */
  readonly observedPoints?: number;
  /** ARIMA order of every series. Default (1,0,1). */
  readonly order?: ArimaOrder;
}

interface Sample { readonly atMs: number; readonly used: Resources }

const iso = (ms: number): string => new Date(ms).toISOString();

const REFIT_EVERY = 30;

/** A stable spread of 0..n-1 from a node id (FNV-1a), so nodes refit on different steps. */
function phaseOf(id: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

export class NodeLoadForecasts {
  readonly stepMs: number;
  readonly horizonSteps: number;
  private readonly z: number;
  private readonly observedPoints: number;
  private readonly window: number;
  private readonly order: ArimaOrder;
  /**
   * One bank per node (its dimensions), with the balancer's class and cadence: a refit every 30 values and an O(1)
   * filter update in between. Two choices keep a step cheap on the event loop (measured in the test's comment):
   * the order is fixed — auto-ARIMA's order search costs ~40 ms per series, hundreds on some, a warm refit of a fixed
   * order a few ms; ARIMA(1,0,1) with a mean fits loads that revert to a level — and each node's first refit comes
   * after 30 + phase values (phase 0..29 from its id), so nodes that started together do not all refit in one step.
   */
  private readonly banks = new Map<string, ForecastBank>();
  private readonly latest = new Map<string, Sample>();
  /** Time of the last observation per key (the forecast's step 1 is one step after it). */
  private readonly observedAt = new Map<string, number>();
  private cached: NodeForecast[] = [];
  ticks = 0;
  tickMsTotal = 0;
  tickMsMax = 0;

  constructor(o: NodeForecastOptions = {}) {
    this.stepMs = o.stepMs ?? 5000;
    this.horizonSteps = o.horizonSteps ?? 12;
    this.z = o.z ?? 1.96;
    this.observedPoints = o.observedPoints ?? 60;
    this.window = o.window ?? 120;
    this.order = o.order ?? [1, 0, 1];
  }

  private bankOf(nodeId: string): ForecastBank {
    let b = this.banks.get(nodeId);
    if (!b) {
      b = new ForecastBank({ kind: 'arima', window: this.window, refitEvery: REFIT_EVERY, minHistory: REFIT_EVERY + phaseOf(nodeId, REFIT_EVERY), order: this.order });
      this.banks.set(nodeId, b);
    }
    return b;
  }

  /** An agent's whole-node telemetry (what it measured in use on its node). */
  sample(nodeId: string, used: Resources, atMs: number): void {
    this.latest.set(nodeId, { atMs, used });
  }

  /**
   * One step: each ready node with a fresh sample (at most two steps old) is observed on every dimension it has
   * capacity in, except the balancer's own; then every forecast is recomputed and cached.
   */
  tick(nowMs: number, nodes: readonly Node[], balancer: BalanceRuntime | undefined): void {
    const t0 = performance.now();
    const skip = balancer ? balancer.options.config.dimension : undefined;
    const out: NodeForecast[] = [];
    const known = new Set<string>();
    for (const n of [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      known.add(n.id);
      const s = this.latest.get(n.id);
      const fresh = n.status === 'ready' && s !== undefined && nowMs - s.atMs <= 2 * this.stepMs;
      for (const dim of DIMENSIONS) {
        const cap = n.capacity[dim];
        if (cap <= 0 || dim === skip) continue;
        const key = nodeLoadKey(n.id, dim);
        const bank = this.bankOf(n.id);
        if (fresh) {
          bank.observe(key, s.used[dim] / cap);
          this.observedAt.set(key, nowMs);
        }
        if (bank.has(key)) out.push(this.view(bank, n, dim, 'telemetry', this.observedAt.get(key) ?? nowMs, this.stepMs, this.horizonSteps, this.z));
      }
    }
    // Nodes that are gone (not merely down) take their history with them.
    for (const id of [...this.banks.keys()]) if (!known.has(id)) { this.banks.delete(id); this.latest.delete(id); }
    this.cached = out;
    const ms = performance.now() - t0;
    this.ticks++;
    this.tickMsTotal += ms;
    this.tickMsMax = Math.max(this.tickMsMax, ms);
  }

  /** The cached telemetry forecasts, plus the balancer's for its dimension when it runs (read from its bank). */
  forecasts(nodes: readonly Node[], balancer: BalanceRuntime | undefined): NodeForecast[] {
    if (!balancer || balancer.lastTickMs === undefined) return this.cached;
    const dim = balancer.options.config.dimension;
    const c = balancer.options.config;
    const fromBalancer: NodeForecast[] = [];
    for (const n of nodes) {
      // Between ticks the balancer's forecasters are current (each tick observes, then forecasts every node), so
      // this read refits nothing and leaves the reducer's state as it was.
      if (n.capacity[dim] > 0 && balancer.bank.has(nodeLoadKey(n.id, dim))) {
        fromBalancer.push(this.view(balancer.bank, n, dim, 'balancer', balancer.lastTickMs, balancer.options.intervalMs, c.horizonSteps, c.z));
      }
    }
    return [...this.cached, ...fromBalancer].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : DIMENSIONS.indexOf(a.dimension) - DIMENSIONS.indexOf(b.dimension)));
  }

  private view(bank: ForecastBank, n: Node, dim: Dimension, source: NodeForecast['source'], lastAtMs: number, stepMs: number, horizonSteps: number, z: number): NodeForecast {
    const key = nodeLoadKey(n.id, dim);
    const history = bank.history(key);
    // The balancer's own read (balancerNodesFromBank) is bank.forecast of this key: the same model, the same numbers.
    const f = bank.forecast(key, horizonSteps);
    const past = history.slice(-this.observedPoints);
    return {
      nodeId: n.id,
      dimension: dim,
      source,
      model: f.model,
      stepMs,
      horizonSteps,
      z,
      observed: past.map((value, i) => ({ at: iso(lastAtMs - (past.length - 1 - i) * stepMs), value })),
      points: f.mean.map((mean, i) => {
        const se = f.se[i] ?? 0;
        const half = Number.isFinite(se) ? z * se : 0;
        return { at: iso(lastAtMs + (i + 1) * stepMs), mean, lo: mean - half, hi: mean + half };
      }),
    };
  }
}
