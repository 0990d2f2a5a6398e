// A reference model of one tenant's partition (quota, LRU over unpinned keys, pins), for the property test in the
// conformance suite: every adapter must agree with it operation by operation.
export type ModelOp =
  | { op: 'set'; key: string; size: number; pin?: boolean }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'pin'; key: string; pinned: boolean };

export type ModelResult =
  | { op: 'set'; ok: true; evicted: string[] }
  | { op: 'set'; ok: false }
  | { op: 'get'; found: boolean }
  | { op: 'delete'; existed: boolean }
  | { op: 'pin'; existed: boolean };

export class PartitionModel {
  /** Keys in recency order, least recent first. */
  readonly order: string[] = [];
  readonly entries = new Map<string, { size: number; pinned: boolean }>();
  evictions = 0;
  hits = 0;
  misses = 0;

  constructor(readonly quota: number) {}

  get used(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.size;
    return n;
  }

  #touch(key: string): void {
    const i = this.order.indexOf(key);
    if (i >= 0) this.order.splice(i, 1);
    this.order.push(key);
  }

  #remove(key: string): void {
    this.entries.delete(key);
    const i = this.order.indexOf(key);
    if (i >= 0) this.order.splice(i, 1);
  }

  apply(o: ModelOp): ModelResult {
    switch (o.op) {
      case 'set': {
        const old = this.entries.get(o.key);
        const pin = o.pin ?? old?.pinned ?? false;
        let need = this.used - (old?.size ?? 0) + o.size - this.quota;
        const victims: string[] = [];
        for (const k of this.order) {
          if (need <= 0) break;
          const e = this.entries.get(k)!;
          if (e.pinned || k === o.key) continue;
          victims.push(k);
          need -= e.size;
        }
        if (need > 0) return { op: 'set', ok: false };
        for (const k of victims) this.#remove(k);
        this.evictions += victims.length;
        this.entries.set(o.key, { size: o.size, pinned: pin });
        this.#touch(o.key);
        return { op: 'set', ok: true, evicted: victims };
      }
      case 'get': {
        const e = this.entries.get(o.key);
        if (!e) {
          this.misses++;
          return { op: 'get', found: false };
        }
        this.hits++;
        if (!e.pinned) this.#touch(o.key);
        return { op: 'get', found: true };
      }
      case 'delete': {
        const existed = this.entries.has(o.key);
        this.#remove(o.key);
        return { op: 'delete', existed };
      }
      case 'pin': {
        const e = this.entries.get(o.key);
        if (!e) return { op: 'pin', existed: false };
        if (e.pinned && !o.pinned) this.#touch(o.key);
        e.pinned = o.pinned;
        return { op: 'pin', existed: true };
      }
    }
  }
}
