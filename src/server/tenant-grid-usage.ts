// What each tenant holds in the data grid the coordinator knows (`fairway server --grid URL`, or the private
// redis-server of `fairway up`; embedded otherwise), for /v1/fairness and the dashboard's Tenants tab. The grid is
// read every `intervalMs` in the background (one stats call per tenant), never on a request, so a slow or unreachable
// grid does not slow the API: its numbers just age, and the failure is reported once per outage on stderr.
import type { Grid } from '../grid/grid.ts';
import type { TenantGridStats } from '../grid/port.ts';
import { tenantGridUsage } from '../grid/usage.ts';
import type { TenantGridView } from '../wire/schemas.ts';

export class TenantGridUsagePoller {
  private usage = new Map<string, TenantGridView>();
  private readAtMs: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private failing = false;

  /** @param onRead called after each successful read with every tenant's usage (the coordinator charges it in shares). */
  constructor(
    readonly grid: Grid,
    private readonly clock: () => number,
    private readonly intervalMs = 2000,
    private readonly onRead?: (usage: ReadonlyMap<string, TenantGridView>) => void,
  ) {}

  get kind(): string {
    return this.grid.kind;
  }

  get at(): number | null {
    return this.readAtMs;
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the grid now (at most one read at a time). */
  poll(): Promise<void> {
    this.inflight ??= this.read().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async read(): Promise<void> {
    let stats: TenantGridStats[];
    try {
      stats = await this.grid.allStats();
    } catch (err) {
      if (!this.failing) console.error(`fairway: cannot read grid usage (${this.grid.kind}): ${(err as Error).message}`);
      this.failing = true;
      return;
    }
    this.failing = false;
    const raw = new Map(stats.map((s) => [s.tenantId, s]));
    this.usage = new Map(tenantGridUsage(stats).map((u) => {
      const s = raw.get(u.tenantId)!;
      return [u.tenantId, { tenant: u.tenantId, bytes: s.usedBytes, memMiB: u.memMiB, keys: s.keys, hitRatio: u.hitRatio ?? null, evictions: u.evictions }];
    }));
    this.readAtMs = this.clock();
    this.onRead?.(this.usage);
  }

  /** Usage of each of these tenants (zero for one the grid has no partition for: it stored nothing); [] before the first read. */
  of(tenantIds: readonly string[]): TenantGridView[] {
    if (this.readAtMs === null) return [];
    return tenantIds.map((t) => this.usage.get(t) ?? { tenant: t, bytes: 0, memMiB: 0, keys: 0, hitRatio: null, evictions: 0 });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inflight;
    await this.grid.close();
  }
}
