// Top-K selection over indices: the K best of n items in O(n log K) with a bounded heap (worst of the kept K at the
// root), then the K sorted, instead of sorting all n. Used by the scheduler's queue depth (Slurm's
// default_queue_depth): a cycle considers only the first K pending jobs of the queue order.

/**
 * Indices 0..n-1 of the `k` best items, best first. `before(i, j)` must be a strict total order on indices ("i goes
 * before j"); with ties broken inside it the result is deterministic. k ≥ n sorts all.
 */
export function topK(n: number, k: number, before: (i: number, j: number) => boolean): number[] {
  const cmp = (i: number, j: number): number => (before(i, j) ? -1 : before(j, i) ? 1 : 0);
  if (k >= n) {
    const all = Array.from({ length: n }, (_, i) => i);
    return all.sort(cmp);
  }
  if (k <= 0) return [];
  // Max-heap by "worst first": heap[0] is the worst of the kept items; a newcomer better than it replaces it.
  const heap = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number): boolean => before(b, a);
  const siftUp = (pos: number): void => {
    const x = heap[pos] as number;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const p = heap[parent] as number;
      if (!worse(x, p)) break;
      heap[pos] = p;
      pos = parent;
    }
    heap[pos] = x;
  };
  const siftDown = (pos: number): void => {
    const x = heap[pos] as number;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size && worse(heap[r] as number, heap[l] as number)) m = r;
      if (!worse(heap[m] as number, x)) break;
      heap[pos] = heap[m] as number;
      pos = m;
    }
    heap[pos] = x;
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      heap[size] = i;
      siftUp(size++);
    } else if (before(i, heap[0] as number)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return Array.from(heap.subarray(0, size)).sort(cmp);
}
