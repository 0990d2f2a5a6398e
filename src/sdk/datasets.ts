// Training data for a job: from the grid when one is reachable (decoded shards shared by every job), otherwise from
// disk (gunzip + IDX decode, as a naive loader does) or generated — and the job always says which (`dataSource`,
// `dataNote` in its start line), so a run that silently fell back is visible.
import { loadFashionMnist, FASHION_MNIST_CLASSES } from '../data/fashion-mnist.ts';
import { generateSyntheticCifar, SYNTHETIC_CIFAR_CLASSES, SYNTHETIC_CIFAR_LABEL } from '../data/synthetic-cifar.ts';
import { DatasetUnavailableError } from './errors.ts';

export const DATASET_NAMES = ['fashion-mnist', 'synthetic-cifar'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
export type DataSource = 'grid' | 'disk' | 'generated';
export type SplitName = 'train' | 'test';

/** One split, decoded and normalised: `x` is count × itemShape floats in [0, 1], `y` the class labels. */
export interface LabelledSet {
  readonly count: number;
  readonly itemShape: readonly number[];
  readonly x: Float32Array;
  readonly y: Uint8Array;
}

export interface TrainingData {
  readonly name: DatasetName;
  readonly description: string;
  readonly classNames: readonly string[];
  readonly train: LabelledSet;
  readonly test: LabelledSet;
  readonly source: DataSource;
  /** Human-readable: where the data came from and why (e.g. the grid was unreachable). */
  readonly note: string;
}

/**
 * What the SDK needs from the grid to read a dataset: one split as decoded tensors, or undefined when the grid does
 * not hold it. Implemented over the grid's dataset API by ./grid-storage.ts.
 */
export interface GridDatasetReader {
  readonly location: string;
  readSplit(name: DatasetName, split: SplitName): Promise<LabelledSet | undefined>;
}

export interface LoadDataOptions {
  /** Use at most this many training / test items (the first ones; small runs and tests). */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Seed of the synthetic set. */
  readonly seed?: number;
  readonly grid?: GridDatasetReader;
}

export function isDatasetName(value: string): value is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(value);
}

function limitSet(set: LabelledSet, limit: number | undefined): LabelledSet {
  if (limit === undefined || limit >= set.count) return set;
  const per = set.itemShape.reduce((a, b) => a * b, 1);
  return { count: limit, itemShape: set.itemShape, x: set.x.subarray(0, limit * per), y: set.y.subarray(0, limit) };
}

function fashionFromDisk(split: 'train' | 't10k', limit: number | undefined): { set: LabelledSet; origin: string; dir: string } {
  const raw = loadFashionMnist(split, limit === undefined ? {} : { limit });
  const x = new Float32Array(raw.images.length);
  for (let i = 0; i < x.length; i++) x[i] = raw.images[i]! / 255;
  return { set: { count: raw.count, itemShape: [raw.rows, raw.cols, 1], x, y: raw.labels }, origin: raw.origin, dir: raw.dir };
}

const SYNTHETIC_TEST_OFFSET = 1_000_000; // test images are other indices of the same seeded set

function meta(name: DatasetName): { description: string; classNames: readonly string[] } {
  return name === 'fashion-mnist'
    ? { description: 'Fashion-MNIST (Zalando Research, MIT licence), 28×28 grey', classNames: FASHION_MNIST_CLASSES }
    : { description: SYNTHETIC_CIFAR_LABEL, classNames: SYNTHETIC_CIFAR_CLASSES };
}

/**
 * The "traditional" data path (the seed paper's baseline): read and decode the training split again, from disk (or
 * regenerate the synthetic set), as a loader without an in-memory store does every epoch. Same items, same order.
 */
export function reloadTrainSplit(name: DatasetName, options: Pick<LoadDataOptions, 'trainLimit' | 'seed'> = {}): LabelledSet {
  if (name === 'fashion-mnist') return fashionFromDisk('train', options.trainLimit).set;
  const s = generateSyntheticCifar({ count: options.trainLimit ?? 5000, seed: options.seed ?? 1 });
  return { count: s.count, itemShape: [s.height, s.width, s.channels], x: s.images, y: s.labels };
}

export async function loadTrainingData(name: DatasetName, options: LoadDataOptions = {}): Promise<TrainingData> {
  const { trainLimit, testLimit, seed = 1, grid } = options;
  if (!isDatasetName(name)) throw new DatasetUnavailableError(`unknown dataset '${String(name)}' (known: ${DATASET_NAMES.join(', ')})`, { name });
  let gridProblem: string | undefined;
  if (grid) {
    try {
      const [train, test] = await Promise.all([grid.readSplit(name, 'train'), grid.readSplit(name, 'test')]);
      if (train && test) {
        return {
          name, ...meta(name), source: 'grid', train: limitSet(train, trainLimit), test: limitSet(test, testLimit),
          note: `decoded shards from the grid (${grid.location})`,
        };
      }
      gridProblem = `the grid (${grid.location}) holds no '${name}' dataset`;
    } catch (err) {
      gridProblem = `the grid (${grid.location}) failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const prefix = gridProblem ? `${gridProblem}; fell back to ` : 'no grid configured; ';
  if (name === 'fashion-mnist') {
    try {
      const train = fashionFromDisk('train', trainLimit);
      const test = fashionFromDisk('t10k', testLimit);
      return {
        name, ...meta(name), source: 'disk', train: train.set, test: test.set,
        note: `${prefix}read and decoded from disk (${train.origin}: ${train.dir})`,
      };
    } catch (err) {
      throw new DatasetUnavailableError(`Fashion-MNIST could be read neither from the grid nor from disk: ${(err as Error).message}`,
        { name, gridProblem }, { cause: err });
    }
  }
  const train = generateSyntheticCifar({ count: trainLimit ?? 5000, seed });
  const test = generateSyntheticCifar({ count: testLimit ?? 1000, seed, offset: SYNTHETIC_TEST_OFFSET });
  const asSet = (s: typeof train): LabelledSet => ({ count: s.count, itemShape: [s.height, s.width, s.channels], x: s.images, y: s.labels });
  return {
    name, ...meta(name), source: 'generated', train: asSet(train), test: asSet(test),
    note: `${prefix}generated in-process (${SYNTHETIC_CIFAR_LABEL}, seed ${seed})`,
  };
}
