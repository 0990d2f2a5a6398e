// A capacity index for sub-linear node search: for each resource dimension, nodes are kept in buckets by how much
// of that dimension is free (64 levels from 0 to the largest node's capacity). A search walks the buckets of the
// job's key dimension upwards from the first level that can hold the request, so it meets the tightest fits first
// (best fit) and never visits a node too small in that dimension. Moving a node between buckets is O(1)
// (swap-remove), so the index follows every reservation in a cycle.

export const LEVELS = 64;

export class NodeIndex {
  /** buckets[d][level] = node indices. */
  private readonly buckets: number[][][];
  /** pos[d][node] = position of the node in its bucket; level[d][node] = its bucket. */
  private readonly pos: Int32Array[];
  private readonly level: Int32Array[];
  private readonly scale: number[];

  constructor(
    private readonly dims: number,
    nodeCount: number,
    maxCap: readonly number[],
    free: readonly Float64Array[],
  ) {
    this.buckets = [];
    this.pos = [];
    this.level = [];
    this.scale = [];
    for (let d = 0; d < dims; d++) {
      const bs: number[][] = [];
      for (let l = 0; l < LEVELS; l++) bs.push([]);
      this.buckets.push(bs);
      this.pos.push(new Int32Array(nodeCount));
      this.level.push(new Int32Array(nodeCount));
      this.scale.push((maxCap[d] ?? 0) > 0 ? (LEVELS - 1) / (maxCap[d] as number) : 0);
      const f = free[d] as Float64Array;
      for (let i = 0; i < nodeCount; i++) this.insert(d, i, f[i] as number);
    }
  }

  levelOf(d: number, amount: number): number {
    const l = Math.floor(Math.max(0, amount) * (this.scale[d] as number));
    return l >= LEVELS ? LEVELS - 1 : l;
  }

  private insert(d: number, node: number, freeAmount: number): void {
    const l = this.levelOf(d, freeAmount);
    const bucket = (this.buckets[d] as number[][])[l] as number[];
    (this.pos[d] as Int32Array)[node] = bucket.length;
    (this.level[d] as Int32Array)[node] = l;
    bucket.push(node);
  }

  /** Call after a node's free amount in dimension d changed. */
  update(d: number, node: number, freeAmount: number): void {
    const l = this.levelOf(d, freeAmount);
    const levels = this.level[d] as Int32Array;
    const old = levels[node] as number;
    if (old === l) return;
    const pos = this.pos[d] as Int32Array;
    const bucket = (this.buckets[d] as number[][])[old] as number[];
    const p = pos[node] as number;
    const last = bucket.pop() as number;
    if (last !== node) {
      bucket[p] = last;
      pos[last] = p;
    }
    this.insert(d, node, freeAmount);
  }

  /** The buckets of dimension d, lowest level first (read-only; for tight loops without a callback). */
  bucketsOf(d: number): readonly (readonly number[])[] {
    return this.buckets[d] as number[][];
  }
}
