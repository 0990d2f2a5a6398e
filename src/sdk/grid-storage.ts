// The SDK's two uses of the data grid (src/sdk/grid.ts, src/grid): reading a dataset's decoded shards, and saving /
// restoring checkpoints through the grid's checkpoint API (chunked, checksummed, manifest committed last).
//
// Dataset convention (the grid's, src/grid/fashion-mnist-dataset.ts): each split is its own grid dataset in the
// shared namespace — `fashion-mnist-train` / `fashion-mnist-t10k` (the IDX split names), `synthetic-cifar-train` /
// `synthetic-cifar-test` — with columns `x` (float32, [n, ...itemShape], normalised to 0..1) and `y` (uint8 labels,
// [n]). `loadFashionMnistIntoGrid` (grid) or `publishTrainingData` (here) write exactly that, once, at start-up.
import type { JobGrid } from './grid.ts';
import type { GridNamespace } from '../grid/port.ts';
import { publishDataset, type DatasetManifest } from '../grid/datasets.ts';
import { listCheckpoints, loadCheckpoint } from '../grid/checkpoints.ts';
import { fashionMnistDatasetName } from '../grid/fashion-mnist-dataset.ts';
import { FairwayError } from '../core/util/errors.ts';
import type { CheckpointStore, LoadedCheckpoint, SavedCheckpoint } from './checkpoint-store.ts';
import type { TrainingSnapshot, SnapshotTensor } from './snapshot.ts';
import type { DatasetName, GridDatasetReader, LabelledSet, SplitName, TrainingData } from './datasets.ts';
import { DatasetUnavailableError } from './errors.ts';

export function gridDatasetName(name: DatasetName, split: SplitName): string {
  return name === 'fashion-mnist' ? fashionMnistDatasetName(split === 'train' ? 'train' : 't10k') : `${name}-${split}`;
}

/** Whole-save attempts when the grid is unavailable (each after the adapter's own retries), and the first pause. */
const SAVE_ATTEMPTS = 3;
const SAVE_RETRY_BASE_MS = 1000;

/** Grid error codes that mean "this stored checkpoint is damaged": skip it and try the previous one. */
const CORRUPT_CODES = new Set(['grid_checksum_mismatch', 'grid_format', 'grid_decrypt_failed']);

export class GridCheckpointStore implements CheckpointStore {
  readonly kind = 'grid' as const;
  readonly location: string;

  constructor(private readonly grid: JobGrid, private readonly jobId: string, private readonly nowMs: () => number = Date.now) {
    this.location = `grid ${grid.grid.kind}, tenant ${grid.tenantId}`;
  }

  /**
   * Saves as the next version. A grid that is unavailable (a Redis master failing over) is given a few more seconds:
   * the whole save is tried again, as a fresh version, up to SAVE_ATTEMPTS times. A failed attempt never moved
   * `latest`, so whatever happens the committed checkpoint is either the previous one or this one, whole.
   */
  async save(snapshot: TrainingSnapshot): Promise<SavedCheckpoint> {
    for (let attempt = 1; ; attempt++) {
      try {
        const manifest = await this.grid.saveCheckpoint(this.jobId, {
          step: snapshot.step,
          tensors: snapshot.tensors as Record<string, SnapshotTensor>,
          state: { ...snapshot.state },
        }, this.nowMs());
        return { version: manifest.version, bytes: manifest.totalBytes };
      } catch (err) {
        if (!(err instanceof FairwayError) || err.code !== 'grid_unavailable' || attempt >= SAVE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, SAVE_RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  async loadLatest(): Promise<LoadedCheckpoint | undefined> {
    const ns = this.grid.namespace;
    const skipped: string[] = [];
    for (const version of (await listCheckpoints(ns, this.jobId)).reverse()) {
      try {
        const c = await loadCheckpoint(ns, this.jobId, version);
        const tensors: Record<string, SnapshotTensor> = {};
        for (const [name, t] of Object.entries(c.tensors)) {
          if (t.dtype === 'uint8') throw new DatasetUnavailableError(`checkpoint tensor '${name}' is uint8; the SDK writes float32/int32 only`);
          tensors[name] = { dtype: t.dtype, shape: t.shape, data: t.data as Float32Array | Int32Array };
        }
        return { snapshot: { step: c.step, tensors, state: c.state }, version, skipped };
      } catch (err) {
        if (!(err instanceof FairwayError) || !CORRUPT_CODES.has(err.code)) throw err;
        skipped.push(`v${version}: ${err.message}`);
      }
    }
    return undefined;
  }
}

/** Reads `<name>-<split>` from the grid's shared namespace; undefined when the grid does not hold it. */
export function gridDatasetReader(grid: JobGrid): GridDatasetReader {
  return {
    location: `grid ${grid.grid.kind}`,
    async readSplit(name: DatasetName, split: SplitName): Promise<LabelledSet | undefined> {
      let ds;
      try {
        ds = await grid.dataset(gridDatasetName(name, split));
      } catch (err) {
        if (err instanceof FairwayError && err.code === 'grid_not_found') return undefined;
        throw err;
      }
      const xCol = ds.manifest.columns.find((c) => c.name === 'x');
      const yCol = ds.manifest.columns.find((c) => c.name === 'y');
      if (xCol?.dtype !== 'float32' || yCol?.dtype !== 'uint8') {
        throw new DatasetUnavailableError(`grid dataset '${ds.name}@${ds.version}' lacks float32 'x' and uint8 'y' columns`, { name: ds.name });
      }
      const per = xCol.itemShape.reduce((a, b) => a * b, 1);
      const x = new Float32Array(ds.items * per);
      const y = new Uint8Array(ds.items);
      let at = 0;
      for await (const shard of ds.shards()) {
        x.set(shard.columns.x!.data as Float32Array, at * per);
        y.set(shard.columns.y!.data as Uint8Array, at);
        at += shard.items;
      }
      return { count: ds.items, itemShape: xCol.itemShape, x, y };
    },
  };
}

/** Publishes both splits of a loaded dataset under the SDK's naming convention (idempotent per version). */
export async function publishTrainingData(writer: GridNamespace, data: TrainingData, version: string): Promise<DatasetManifest[]> {
  const out: DatasetManifest[] = [];
  for (const split of ['train', 'test'] as const) {
    const set = data[split];
    out.push(await publishDataset(writer, {
      name: gridDatasetName(data.name, split), version,
      columns: {
        x: { dtype: 'float32', shape: [set.count, ...set.itemShape], data: set.x },
        y: { dtype: 'uint8', shape: [set.count], data: set.y },
      },
      meta: { description: data.description, classNames: [...data.classNames], split, source: data.note },
    }));
  }
  return out;
}
