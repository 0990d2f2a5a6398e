import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSyntheticCifar, SYNTHETIC_CIFAR_LABEL } from './synthetic-cifar.ts';

test('same seed and index give identical images; a slice equals the same range of a larger set', () => {
  const all = generateSyntheticCifar({ count: 20, seed: 7 });
  const again = generateSyntheticCifar({ count: 20, seed: 7 });
  assert.deepEqual(again.images, all.images);
  assert.deepEqual(again.labels, all.labels);
  const slice = generateSyntheticCifar({ count: 5, seed: 7, offset: 10 });
  assert.deepEqual(slice.images, all.images.subarray(10 * 3072, 15 * 3072));
  assert.deepEqual(slice.labels, all.labels.subarray(10, 15));
  const other = generateSyntheticCifar({ count: 20, seed: 8 });
  assert.notDeepEqual(other.images, all.images);
});

test('shapes, value range, all 10 classes present and roughly balanced, labelled synthetic', () => {
  const set = generateSyntheticCifar({ count: 1000, seed: 3 });
  assert.equal(set.images.length, 1000 * 32 * 32 * 3);
  assert.equal(set.description, SYNTHETIC_CIFAR_LABEL);
  assert.match(set.description, /synthetic/);
  for (const v of set.images) assert.ok(v >= 0 && v <= 1);
  const counts = new Array(10).fill(0) as number[];
  for (const l of set.labels) counts[l]!++;
  // 1000 draws over 10 classes: each count ~ Binomial(1000, 0.1), sd ≈ 9.5; 60..140 is beyond 4 sd.
  for (const c of counts) assert.ok(c > 60 && c < 140, `class counts ${counts.join(',')}`);
});

test('classes differ in mean colour (the structure is learnable)', () => {
  const set = generateSyntheticCifar({ count: 600, seed: 11, noise: 0 });
  // Mean hue signal per class: the red channel average over the brightest pixels differs between classes 0 and 5
  // (hues 0° and 180°: red vs cyan foregrounds).
  const redShare = (label: number): number => {
    let red = 0, total = 0;
    for (let i = 0; i < set.count; i++) {
      if (set.labels[i] !== label) continue;
      for (let p = i * 3072; p < (i + 1) * 3072; p += 3) {
        const sum = set.images[p]! + set.images[p + 1]! + set.images[p + 2]!;
        if (sum > 1.6) { red += set.images[p]! / sum; total++; }
      }
    }
    return red / Math.max(1, total);
  };
  assert.ok(redShare(0) > redShare(5) + 0.1, `red share disc ${redShare(0)} vs ring ${redShare(5)}`);
});

test('rejects a negative or fractional count', () => {
  assert.throws(() => generateSyntheticCifar({ count: -1 }), /count/);
  assert.throws(() => generateSyntheticCifar({ count: 1.5 }), /count/);
});
