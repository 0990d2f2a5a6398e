// SYNTHETIC CIFAR-like images — not real data. A seeded generator of 32×32×3 colour images in 10 classes, for
// heavier CNN jobs than Fashion-MNIST allows without shipping CIFAR. Each class is a shape (disc, square, triangle,
// stripes, ring, cross, …) with a class-typical hue; position, size, hue, brightness, background and pixel noise vary
// per image, so a model must learn shape and colour together (a linear model on pixels does poorly, a small CNN
// learns it well). Image i depends only on (seed, i): any slice can be generated anywhere, identically.
import { createRng, type Rng } from '../core/util/rng.ts';
import { InvalidInputError } from '../core/util/errors.ts';

export const SYNTHETIC_CIFAR_SIZE = 32;
export const SYNTHETIC_CIFAR_CHANNELS = 3;
/** Class names; the "(synthetic)" label travels with the dataset's metadata wherever it is shown. */
export const SYNTHETIC_CIFAR_CLASSES = [
  'disc', 'square', 'triangle', 'h-stripes', 'v-stripes', 'ring', 'cross', 'diagonal', 'checker', 'two-dots',
] as const;
export const SYNTHETIC_CIFAR_LABEL = 'synthetic CIFAR-like (generated, not real images)';

export interface SyntheticImages {
  readonly kind: 'synthetic-cifar';
  /** Always states that the data is synthetic. */
  readonly description: string;
  readonly seed: number;
  readonly offset: number;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** count × 32 × 32 × 3 floats in [0, 1], NHWC. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

// Class hues (degrees), spread round the wheel; per-image jitter of ±25° keeps neighbours overlapping a little.
const CLASS_HUE = [0, 36, 72, 108, 144, 180, 216, 252, 288, 324];

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = v - c;
  return [r + m, g + m, b + m];
}

/** Whether pixel (px, py), in the shape's own frame centred at 0 with radius r, is inside the class's shape. */
function inside(label: number, px: number, py: number, r: number, phase: number): boolean {
  const d = Math.hypot(px, py);
  switch (label) {
    case 0: return d <= r;
    case 1: return Math.abs(px) <= r * 0.85 && Math.abs(py) <= r * 0.85;
    case 2: return py <= r * 0.8 && py >= -r && Math.abs(px) <= (py + r) * 0.6;
    case 3: return Math.abs(px) <= r && Math.abs(py) <= r && Math.floor((py + r + phase) / 3) % 2 === 0;
    case 4: return Math.abs(px) <= r && Math.abs(py) <= r && Math.floor((px + r + phase) / 3) % 2 === 0;
    case 5: return d <= r && d >= r * 0.55;
    case 6: return (Math.abs(px) <= r * 0.28 && Math.abs(py) <= r) || (Math.abs(py) <= r * 0.28 && Math.abs(px) <= r);
    case 7: return Math.abs(px - py) <= r * 0.35 && Math.abs(px) <= r && Math.abs(py) <= r;
    case 8: return Math.abs(px) <= r && Math.abs(py) <= r && (Math.floor((px + r) / 4) + Math.floor((py + r) / 4)) % 2 === 0;
    case 9: return Math.hypot(px - r * 0.5, py) <= r * 0.42 || Math.hypot(px + r * 0.5, py) <= r * 0.42;
    default: return false;
  }
}

function gaussian(rng: Rng): number {
  // Box–Muller on the seeded stream (never Math.random), so images are reproducible.
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function drawImage(rng: Rng, label: number, out: Float32Array, base: number, noise: number): void {
  const S = SYNTHETIC_CIFAR_SIZE;
  const r = 6 + rng.next() * 6;
  const cx = r + 1 + rng.next() * (S - 2 * r - 2);
  const cy = r + 1 + rng.next() * (S - 2 * r - 2);
  const phase = rng.next() * 3;
  const [fr, fg, fb] = hsvToRgb(CLASS_HUE[label]! + (rng.next() - 0.5) * 50, 0.55 + rng.next() * 0.45, 0.6 + rng.next() * 0.4);
  const [br, bg, bb] = hsvToRgb(rng.next() * 360, rng.next() * 0.4, 0.1 + rng.next() * 0.45);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const on = inside(label, x + 0.5 - cx, y + 0.5 - cy, r, phase);
      const p = base + (y * S + x) * 3;
      out[p] = Math.min(1, Math.max(0, (on ? fr : br) + noise * gaussian(rng)));
      out[p + 1] = Math.min(1, Math.max(0, (on ? fg : bg) + noise * gaussian(rng)));
      out[p + 2] = Math.min(1, Math.max(0, (on ? fb : bb) + noise * gaussian(rng)));
    }
  }
}

function imageRng(seed: number, index: number): Rng {
  return createRng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/**
 * Generates images [offset, offset + count) of the seeded synthetic set. Labels are balanced in expectation and
 * depend only on (seed, index). Use a different seed (or offset range) for the test split than for training.
 */
export function generateSyntheticCifar(options: { count: number; seed?: number; offset?: number; noise?: number }): SyntheticImages {
  const { count, seed = 1, offset = 0, noise = 0.08 } = options;
  if (!Number.isInteger(count) || count < 0) throw new InvalidInputError(`count must be a non-negative integer, got ${count}`, { count });
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidInputError(`offset must be a non-negative integer, got ${offset}`, { offset });
  const S = SYNTHETIC_CIFAR_SIZE;
  const images = new Float32Array(count * S * S * 3);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const rng = imageRng(seed, offset + i);
    const label = rng.int(10);
    labels[i] = label;
    drawImage(rng, label, images, i * S * S * 3, noise);
  }
  return {
    kind: 'synthetic-cifar', description: SYNTHETIC_CIFAR_LABEL, seed, offset, count,
    height: S, width: S, channels: SYNTHETIC_CIFAR_CHANNELS, images, labels,
  };
}
