// The embedded adapter: the grid in this process's memory (the default; zero setup). Each tenant has its own
// partition (a Map in LRU order); eviction walks only that partition. Values are copied once on write and returned
// without copying on read (callers treat them as read-only).
import { GridQuotaExceededError } from './errors.ts';
import type { GridStore, SetOptions, SetResult, TenantGridStats } from './port.ts';

export const DEFAULT_QUOTA_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

export interface StoreLimits {
  /** Quota of a tenant that was never given one. */
  readonly defaultQuotaBytes?: number;
  readonly maxValueBytes?: number;
}

interface Entry {
  readonly value: Buffer;
  pinned: boolean;
}

class Partition {
  /** Insertion order is recency order: the first entry is the least recently used. */
  readonly entries = new Map<string, Entry>();
  usedBytes = 0;
  pinnedBytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  constructor(public quotaBytes: number) {}
}

export class EmbeddedStore implements GridStore {
  readonly kind = 'embedded' as const;
  readonly maxValueBytes: number;
  readonly #defaultQuotaBytes: number;
  readonly #partitions = new Map<string, Partition>();

  constructor(limits: StoreLimits = {}) {
    this.maxValueBytes = limits.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#defaultQuotaBytes = limits.defaultQuotaBytes ?? DEFAULT_QUOTA_BYTES;
  }

  #partition(tenantId: string): Partition {
    let p = this.#partitions.get(tenantId);
    if (!p) {
      p = new Partition(this.#defaultQuotaBytes);
      this.#partitions.set(tenantId, p);
    }
    return p;
  }

  async setQuota(tenantId: string, quotaBytes: number): Promise<void> {
    this.#partition(tenantId).quotaBytes = quotaBytes;
  }

  async get(tenantId: string, key: string): Promise<Buffer | undefined> {
    const p = this.#partition(tenantId);
    const e = p.entries.get(key);
    if (!e) {
      p.misses++;
      return undefined;
    }
    p.hits++;
    p.entries.delete(key);
    p.entries.set(key, e);
    return e.value;
  }

  async set(tenantId: string, key: string, value: Uint8Array, options: SetOptions = {}): Promise<SetResult> {
    const p = this.#partition(tenantId);
    const old = p.entries.get(key);
    const oldBytes = old?.value.length ?? 0;
    const pin = options.pin ?? old?.pinned ?? false;
    // Decide the victims before touching anything, so a write that cannot fit changes nothing.
    let need = p.usedBytes - oldBytes + value.length - p.quotaBytes;
    const victims: string[] = [];
    if (need > 0) {
      for (const [k, e] of p.entries) {
        if (need <= 0) break;
        if (e.pinned || k === key) continue;
        victims.push(k);
        need -= e.value.length;
      }
      if (need > 0) {
        throw new GridQuotaExceededError(tenantId, key, value.length, p.quotaBytes, p.pinnedBytes - (old?.pinned ? oldBytes : 0));
      }
    }
    for (const k of victims) {
      this.#remove(p, k);
      p.evictions++;
    }
    if (old) this.#remove(p, key);
    const copy = Buffer.allocUnsafeSlow(value.length);
    copy.set(value);
    p.entries.set(key, { value: copy, pinned: pin });
    p.usedBytes += copy.length;
    if (pin) p.pinnedBytes += copy.length;
    return { evicted: victims };
  }

  #remove(p: Partition, key: string): boolean {
    const e = p.entries.get(key);
    if (!e) return false;
    p.entries.delete(key);
    p.usedBytes -= e.value.length;
    if (e.pinned) p.pinnedBytes -= e.value.length;
    return true;
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    return this.#remove(this.#partition(tenantId), key);
  }

  async has(tenantId: string, key: string): Promise<boolean> {
    return this.#partitions.get(tenantId)?.entries.has(key) ?? false;
  }

  async list(tenantId: string, prefix = ''): Promise<string[]> {
    const p = this.#partitions.get(tenantId);
    if (!p) return [];
    return [...p.entries.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async setPinned(tenantId: string, key: string, pinned: boolean): Promise<boolean> {
    const p = this.#partition(tenantId);
    const e = p.entries.get(key);
    if (!e) return false;
    if (e.pinned === pinned) return true;
    p.pinnedBytes += pinned ? e.value.length : -e.value.length;
    e.pinned = pinned;
    if (!pinned) {
      // An unpinned key re-enters the LRU order as most recently used (as in the Redis adapter).
      p.entries.delete(key);
      p.entries.set(key, e);
    }
    return true;
  }

  async stats(tenantId: string): Promise<TenantGridStats> {
    const p = this.#partitions.get(tenantId) ?? new Partition(this.#defaultQuotaBytes);
    return {
      tenantId, usedBytes: p.usedBytes, quotaBytes: p.quotaBytes, pinnedBytes: p.pinnedBytes, keys: p.entries.size,
      hits: p.hits, misses: p.misses, evictions: p.evictions,
    };
  }

  async tenants(): Promise<string[]> {
    return [...this.#partitions.keys()].sort();
  }

  async close(): Promise<void> {
    this.#partitions.clear();
  }
}

