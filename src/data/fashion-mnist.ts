// Real Fashion-MNIST (Zalando Research, MIT licence). The full 70,000 images come from Debian's
// `dataset-fashion-mnist` package when it is installed; otherwise the slice shipped in data/fashion-mnist
// (the first 10,000 training and 2,000 test images, unchanged) is used, so a fresh clone needs no download.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { parseIdx, IdxFormatError } from './idx.ts';

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const BUNDLED_FASHION_MNIST_DIR = join(repoRoot, 'data', 'fashion-mnist');

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export type Split = 'train' | 't10k';

export interface LabelledImages {
  readonly split: Split;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count × rows × cols pixels, 0..255. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  /** Where the files were read from: `debian` (full set) or `bundled` (the slice in the repo). */
  readonly origin: 'debian' | 'bundled';
  readonly dir: string;
}

export function fashionMnistDir(preferFull = true): { dir: string; origin: 'debian' | 'bundled' } {
  const env = process.env.FAIRWAY_FASHION_MNIST_DIR;
  if (env) return { dir: env, origin: 'debian' };
  if (preferFull && existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'))) {
    return { dir: DEBIAN_FASHION_MNIST_DIR, origin: 'debian' };
  }
  return { dir: BUNDLED_FASHION_MNIST_DIR, origin: 'bundled' };
}

export function imagesPath(dir: string, split: Split): string {
  return join(dir, `${split}-images-idx3-ubyte.gz`);
}

export function labelsPath(dir: string, split: Split): string {
  return join(dir, `${split}-labels-idx1-ubyte.gz`);
}

/** Reads and decodes one split from disk (gunzip + IDX parse): the "naive loader" path. */
export function loadFashionMnist(split: Split, options: { preferFull?: boolean; limit?: number } = {}): LabelledImages {
  const { dir, origin } = fashionMnistDir(options.preferFull ?? true);
  const imgPath = imagesPath(dir, split);
  const lblPath = labelsPath(dir, split);
  const images = parseIdx(readFileSync(imgPath), imgPath);
  const labels = parseIdx(readFileSync(lblPath), lblPath);
  const [count = 0, rows = 0, cols = 0] = images.shape;
  if (images.shape.length !== 3) throw new IdxFormatError(`${imgPath}: expected rank 3 images, got shape ${images.shape.join('x')}`);
  if (labels.shape[0] !== count) throw new IdxFormatError(`${lblPath}: ${labels.shape[0]} labels for ${count} images`);
  const n = Math.min(count, options.limit ?? count);
  return {
    split, count: n, rows, cols, origin, dir,
    images: images.data.subarray(0, n * rows * cols),
    labels: labels.data.subarray(0, n),
  };
}
