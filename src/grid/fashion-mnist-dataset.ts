// Fashion-MNIST into the grid, once: IDX (gunzip + parse, ../data) → Float32 in [0, 1] → shards in the shared
// namespace. Every job of every tenant then reads the same decoded shards instead of re-decoding the files.
import { FASHION_MNIST_CLASSES, loadFashionMnist, type LabelledImages, type Split } from '../data/fashion-mnist.ts';
import { publishDataset, type DatasetManifest } from './datasets.ts';
import type { GridNamespace } from './port.ts';
import { tensor, type Tensor } from './tensor.ts';

export const FASHION_MNIST_DATASET = 'fashion-mnist';

export interface FashionMnistOptions {
  readonly split?: Split;
  /** Use Debian's full set when installed (default true); false forces the slice bundled in the repo. */
  readonly preferFull?: boolean;
  readonly limit?: number;
  readonly shardItems?: number;
}

/** Decoded columns: `x` [n, 28, 28, 1] float32 = pixel / 255, `y` [n] uint8 class index. */
export function fashionMnistColumns(images: LabelledImages): { x: Tensor; y: Tensor } {
  const x = new Float32Array(images.images.length);
  for (let i = 0; i < x.length; i++) x[i] = images.images[i]! / 255;
  return { x: tensor(x, [images.count, images.rows, images.cols, 1]), y: tensor(Uint8Array.from(images.labels), [images.count]) };
}

/** The dataset name of a split: `fashion-mnist-train` or `fashion-mnist-t10k`. */
export function fashionMnistDatasetName(split: Split): string {
  return `${FASHION_MNIST_DATASET}-${split}`;
}

/**
 * Loads one split into `writer` (normally `grid.sharedWriter()`). The version names where the data came from, so the
 * bundled slice and the full set never masquerade as each other: `v1-bundled-10000`, `v1-debian-60000`.
 * Publishing again is a no-op.
 */
export async function loadFashionMnistIntoGrid(writer: GridNamespace, options: FashionMnistOptions = {}): Promise<DatasetManifest> {
  const split = options.split ?? 'train';
  const images = loadFashionMnist(split, { preferFull: options.preferFull ?? true, ...(options.limit === undefined ? {} : { limit: options.limit }) });
  return publishDataset(writer, {
    name: fashionMnistDatasetName(split),
    version: `v1-${images.origin}-${images.count}`,
    columns: fashionMnistColumns(images),
    ...(options.shardItems === undefined ? {} : { shardItems: options.shardItems }),
    meta: {
      source: 'Fashion-MNIST (Zalando Research), MIT licence', origin: images.origin, split,
      normalisation: 'pixel / 255', classes: [...FASHION_MNIST_CLASSES],
    },
  });
}
