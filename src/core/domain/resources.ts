// Integer resource vectors (DESIGN.md §1.5): milli-CPU, milli-GPU (fractions of a GPU allowed), memory in MiB and
// network in Mbit/s. Integers keep arithmetic exact and plans reproducible.
import { InvalidInputError } from '../util/errors.ts';

export interface Resources {
  readonly cpuMilli: number;
  readonly gpuMilli: number;
  readonly memMiB: number;
  readonly netMbps: number;
}

export const DIMENSIONS = ['cpuMilli', 'gpuMilli', 'memMiB', 'netMbps'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const ZERO: Resources = Object.freeze({ cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 });

/** Largest value accepted in any dimension (guards against absurd requests and float overflow in sums). */
export const MAX_RESOURCE_VALUE = 2 ** 40;

export function resources(partial: Partial<Resources> = {}): Resources {
  return {
    cpuMilli: partial.cpuMilli ?? 0,
    gpuMilli: partial.gpuMilli ?? 0,
    memMiB: partial.memMiB ?? 0,
    netMbps: partial.netMbps ?? 0,
  };
}

/** Throws InvalidInputError naming the field when a value is not a non-negative safe integer. */
export function validateResources(r: Resources, what = 'resources'): Resources {
  for (const d of DIMENSIONS) {
    const v = r[d];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidInputError(`${what}.${d} must be a finite number, got ${String(v)}`, { field: `${what}.${d}`, value: v });
    }
    if (!Number.isInteger(v)) {
      throw new InvalidInputError(`${what}.${d} must be an integer, got ${v}`, { field: `${what}.${d}`, value: v });
    }
    if (v < 0) throw new InvalidInputError(`${what}.${d} must not be negative, got ${v}`, { field: `${what}.${d}`, value: v });
    if (v > MAX_RESOURCE_VALUE) {
      throw new InvalidInputError(`${what}.${d} is absurdly large (${v} > ${MAX_RESOURCE_VALUE})`, { field: `${what}.${d}`, value: v });
    }
  }
  return r;
}

export function add(a: Resources, b: Resources): Resources {
  return {
    cpuMilli: a.cpuMilli + b.cpuMilli,
    gpuMilli: a.gpuMilli + b.gpuMilli,
    memMiB: a.memMiB + b.memMiB,
    netMbps: a.netMbps + b.netMbps,
  };
}

export function sub(a: Resources, b: Resources): Resources {
  return {
    cpuMilli: a.cpuMilli - b.cpuMilli,
    gpuMilli: a.gpuMilli - b.gpuMilli,
    memMiB: a.memMiB - b.memMiB,
    netMbps: a.netMbps - b.netMbps,
  };
}

export function scale(a: Resources, k: number): Resources {
  return {
    cpuMilli: Math.round(a.cpuMilli * k),
    gpuMilli: Math.round(a.gpuMilli * k),
    memMiB: Math.round(a.memMiB * k),
    netMbps: Math.round(a.netMbps * k),
  };
}

/** True when `request` fits in `free` in every dimension. */
export function fits(request: Resources, free: Resources): boolean {
  return (
    request.cpuMilli <= free.cpuMilli &&
    request.gpuMilli <= free.gpuMilli &&
    request.memMiB <= free.memMiB &&
    request.netMbps <= free.netMbps
  );
}

/** The dimensions in which `request` exceeds `free` (empty when it fits). */
export function shortfall(request: Resources, free: Resources): Dimension[] {
  return DIMENSIONS.filter((d) => request[d] > free[d]);
}

export function isZero(a: Resources): boolean {
  return DIMENSIONS.every((d) => a[d] === 0);
}

export function equals(a: Resources, b: Resources): boolean {
  return DIMENSIONS.every((d) => a[d] === b[d]);
}

export function min(a: Resources, b: Resources): Resources {
  return {
    cpuMilli: Math.min(a.cpuMilli, b.cpuMilli),
    gpuMilli: Math.min(a.gpuMilli, b.gpuMilli),
    memMiB: Math.min(a.memMiB, b.memMiB),
    netMbps: Math.min(a.netMbps, b.netMbps),
  };
}

/** Share of `total` that `used` takes in each dimension (0 where the total is 0). */
export function shares(used: Resources, total: Resources): Record<Dimension, number> {
  return {
    cpuMilli: total.cpuMilli > 0 ? used.cpuMilli / total.cpuMilli : 0,
    gpuMilli: total.gpuMilli > 0 ? used.gpuMilli / total.gpuMilli : 0,
    memMiB: total.memMiB > 0 ? used.memMiB / total.memMiB : 0,
    netMbps: total.netMbps > 0 ? used.netMbps / total.netMbps : 0,
  };
}

/** The dominant share (DRF): the largest of `used`'s shares of `total`. */
export function dominantShare(used: Resources, total: Resources): number {
  const s = shares(used, total);
  return Math.max(s.cpuMilli, s.gpuMilli, s.memMiB, s.netMbps);
}

export function formatResources(r: Resources): string {
  const gpu = r.gpuMilli > 0 ? ` gpu=${r.gpuMilli / 1000}` : '';
  const net = r.netMbps > 0 ? ` net=${r.netMbps}Mbps` : '';
  return `cpu=${r.cpuMilli / 1000}${gpu} mem=${r.memMiB}MiB${net}`;
}
