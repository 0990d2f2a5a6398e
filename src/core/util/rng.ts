// Seeded pseudo-random numbers for the core: sfc32 seeded through splitmix32. The state is four uint32s, so it
// can be saved in a checkpoint or event log and restored to continue the very same sequence.

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A copy of the internal state (to save and restore). */
  state(): RngState;
  /** An independent generator derived from this one (for a sub-component) without disturbing its sequence much. */
  fork(label: string): Rng;
}

export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  fork(label: string): Rng {
    return createRng((this.nextUint32() ^ hashLabel(label)) >>> 0);
  }
}

export function createRng(seed: number): Rng {
  const mix = splitmix32(seed);
  const rng = new Sfc32([mix(), mix(), mix(), mix()]);
  for (let i = 0; i < 12; i++) rng.next(); // discard the warm-up outputs
  return rng;
}

export function restoreRng(state: RngState): Rng {
  return new Sfc32(state);
}
