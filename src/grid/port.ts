// The data grid port (DESIGN.md §2): tenant-namespaced binary key/value with per-tenant quotas, LRU eviction inside
// a tenant's own partition, pinning and per-tenant stats. Adapters: `embedded` (in-process, the default) and
// `redis` (standalone or Cluster). Datasets (./datasets.ts) and checkpoints (./checkpoints.ts) are built on top of
// `GridNamespace` only, so they behave the same on every adapter; one conformance suite (test/grid) checks that.

/** The namespace holding data every tenant may read but none may write: shared datasets (e.g. Fashion-MNIST). */
export const SHARED_NAMESPACE = '_shared';

export type GridAdapterKind = 'embedded' | 'redis' | 'redis-cluster';

/** What the grid knows about one tenant's partition. Feeds the scheduler (cache bytes in the fair share), the profiler and the locality score. */
export interface TenantGridStats {
  readonly tenantId: string;
  /** Bytes stored (values as stored, i.e. after encryption overhead). */
  readonly usedBytes: number;
  readonly quotaBytes: number;
  readonly pinnedBytes: number;
  readonly keys: number;
  readonly hits: number;
  readonly misses: number;
  /** Keys evicted (LRU) from this tenant's partition to make room for this tenant's own writes. */
  readonly evictions: number;
}

export interface SetOptions {
  /** Pinned keys are never evicted (a running job's dataset, the latest checkpoint). */
  readonly pin?: boolean;
}

export interface SetResult {
  /** Keys of the same tenant evicted to make room, least recently used first. */
  readonly evicted: readonly string[];
}

/**
 * The adapter interface. Every call names its tenant; an adapter keeps tenants' data in disjoint partitions and
 * never evicts across them. Values are opaque bytes. Adapters do not validate ids (the Grid facade does).
 */
export interface GridStore {
  readonly kind: GridAdapterKind;
  /** The largest value, in bytes, a single key may hold. */
  readonly maxValueBytes: number;
  setQuota(tenantId: string, quotaBytes: number): Promise<void>;
  /**
   * Returns the value, or undefined when absent. Counts a hit or a miss and marks the key most recently used.
   * The embedded adapter returns the stored bytes without copying: callers must treat them as read-only.
   */
  get(tenantId: string, key: string): Promise<Buffer | undefined>;
  /** Stores a value, evicting the tenant's own least recently used unpinned keys when over quota; throws GridQuotaExceededError when it cannot fit (then nothing changes). */
  set(tenantId: string, key: string, value: Uint8Array, options?: SetOptions): Promise<SetResult>;
  delete(tenantId: string, key: string): Promise<boolean>;
  has(tenantId: string, key: string): Promise<boolean>;
  /** Keys of this tenant starting with `prefix`, sorted. */
  list(tenantId: string, prefix?: string): Promise<string[]>;
  /** Sets or clears the pin of an existing key; false when the key is absent. */
  setPinned(tenantId: string, key: string, pinned: boolean): Promise<boolean>;
  stats(tenantId: string): Promise<TenantGridStats>;
  /** Tenants that have stored anything or have a quota. */
  tenants(): Promise<string[]>;
  close(): Promise<void>;
}

/** Read access to one namespace: what a job gets for the shared datasets. */
export interface GridReader {
  readonly namespace: string;
  get(key: string): Promise<Buffer | undefined>;
  has(key: string): Promise<boolean>;
  list(prefix?: string): Promise<string[]>;
}

/** Full access to one tenant's partition. Obtained from `Grid.namespace(tenantId)`; it cannot name another tenant's keys. */
export interface GridNamespace extends GridReader {
  set(key: string, value: Uint8Array, options?: SetOptions): Promise<SetResult>;
  delete(key: string): Promise<boolean>;
  setPinned(key: string, pinned: boolean): Promise<boolean>;
  stats(): Promise<TenantGridStats>;
}
