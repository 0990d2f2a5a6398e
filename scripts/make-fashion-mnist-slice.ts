// Rebuilds data/fashion-mnist from Debian's dataset-fashion-mnist: the first 10,000 training and first 2,000 test
// images and labels, unchanged, in the original gzipped IDX format.
// Run: apt-get install dataset-fashion-mnist && node --import tsx scripts/make-fashion-mnist-slice.ts
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { BUNDLED_FASHION_MNIST_DIR, DEBIAN_FASHION_MNIST_DIR, imagesPath, labelsPath } from '../src/data/fashion-mnist.ts';
import { encodeIdx, parseIdx, sliceIdx } from '../src/data/idx.ts';

mkdirSync(BUNDLED_FASHION_MNIST_DIR, { recursive: true });
for (const [split, n] of [['train', 10_000], ['t10k', 2_000]] as const) {
  for (const path of [imagesPath, labelsPath]) {
    const full = parseIdx(readFileSync(path(DEBIAN_FASHION_MNIST_DIR, split)));
    writeFileSync(path(BUNDLED_FASHION_MNIST_DIR, split), encodeIdx(sliceIdx(full, n)));
  }
}
console.log(`wrote ${BUNDLED_FASHION_MNIST_DIR}`);
