// The SDK's checkpoint save path when the store fails (the unit side of test/faults/redis-failover.test.ts): a
// periodic checkpoint the grid cannot take is skipped with a `checkpoint_failed` line and training goes on; a final
// one that cannot be stored fails the run; a grid save is retried as a whole while the grid is unavailable, and a
// failed attempt never becomes the committed checkpoint. Real training (MLP, a few steps), in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainMlp } from '../../examples/train-mlp.ts';
import { MemoryCheckpointStore, type SavedCheckpoint } from '../../src/sdk/checkpoint-store.ts';
import type { TrainingSnapshot } from '../../src/sdk/snapshot.ts';
import { GridUnavailableError } from '../../src/grid/errors.ts';
import { EmbeddedStore } from '../../src/grid/embedded-store.ts';
import { Grid } from '../../src/grid/grid.ts';
import { JobGrid } from '../../src/sdk/grid.ts';
import { GridCheckpointStore } from '../../src/sdk/grid-storage.ts';
import { listCheckpoints, loadCheckpoint } from '../../src/grid/checkpoints.ts';
import type { JobProgressEvent } from '../../src/wire/job-progress.ts';
import { BUNDLED_FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.ts';

process.env.FAIRWAY_FASHION_MNIST_DIR ??= BUNDLED_FASHION_MNIST_DIR;

const base = { epochs: 1, batchSize: 64, trainLimit: 640, testLimit: 100, seed: 5, backend: 'wasm' as const, checkpointEvery: 2, progressEvery: 1 };

/** A memory store that fails the saves whose (1-based) numbers are listed. */
class FailingStore extends MemoryCheckpointStore {
  saves = 0;
  constructor(private readonly failOn: readonly number[], private readonly error: () => Error) {
    super();
  }
  override async save(snapshot: TrainingSnapshot): Promise<SavedCheckpoint> {
    this.saves++;
    if (this.failOn.includes(this.saves)) throw this.error();
    return super.save(snapshot);
  }
}

test('a periodic checkpoint the grid cannot take is skipped, reported with its fallback, and training goes on', async () => {
  const store = new FailingStore([2, 3], () => new GridUnavailableError('set', 4));
  const events: JobProgressEvent[] = [];
  const r = await trainMlp({ ...base, jobId: 'skip', maxSteps: 8, checkpoints: store, onEvent: (e) => events.push(e) });
  assert.equal(r.status, 'completed');
  assert.equal(r.step, 8);
  assert.equal(r.exitCode, 0);
  const failed = events.filter((e) => e.type === 'checkpoint_failed');
  assert.deepEqual(failed.map((e) => e.type === 'checkpoint_failed' && [e.step, e.reason, e.code, e.fallbackStep]), [[4, 'interval', 'grid_unavailable', 2], [6, 'interval', 'grid_unavailable', 2]]);
  const stored = events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && [e.step, e.reason]);
  assert.deepEqual(stored, [[2, 'interval'], [8, 'final']]);
  // The next run resumes from what was really stored: the final checkpoint, step 8.
  const again = await trainMlp({ ...base, jobId: 'skip', maxSteps: 8, checkpoints: store });
  assert.equal(again.resumedFromStep, 8);
});

test('a final checkpoint that cannot be stored fails the run; an error that is not "unavailable" is never skipped', async () => {
  // Saves: step 2 (interval), step 4 (final, the second).
  await assert.rejects(trainMlp({ ...base, jobId: 'final', maxSteps: 4, checkpoints: new FailingStore([2], () => new GridUnavailableError('set', 4)) }), GridUnavailableError);
  await assert.rejects(trainMlp({ ...base, jobId: 'bug', maxSteps: 4, checkpoints: new FailingStore([1], () => new Error('disk on fire')) }), /disk on fire/);
});

test('a grid save is retried as a whole while the grid is unavailable; the failed attempt is never the committed one', async () => {
  const inner = new EmbeddedStore();
  let failSets = 0;
  // The grid's store fails its next `failSets` writes (as a Redis master failing over would), then recovers.
  const flaky = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'set') {
        return (...args: Parameters<EmbeddedStore['set']>) => {
          if (failSets > 0) { failSets--; return Promise.reject(new GridUnavailableError('set', 4)); }
          return target.set(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const grid = new Grid(flaky);
  const jobGrid = new JobGrid(grid, 'acme', false);
  const store = new GridCheckpointStore(jobGrid, 'job-r');
  try {
    const events: JobProgressEvent[] = [];
    await trainMlp({ ...base, jobId: 'job-r', maxSteps: 2, checkpoints: store, onEvent: (e) => events.push(e) });
    // The next save's first write fails twice (two whole attempts), the third attempt lands.
    failSets = 2;
    const r = await trainMlp({ ...base, jobId: 'job-r', maxSteps: 4, checkpoints: store, onEvent: (e) => events.push(e) });
    assert.equal(r.resumedFromStep, 2);
    assert.ok(!events.some((e) => e.type === 'checkpoint_failed'), 'retried, not skipped');
    assert.equal(failSets, 0);
    const loaded = await store.loadLatest();
    assert.equal(loaded?.snapshot.step, 4);
    assert.deepEqual(loaded?.skipped, []);
    // Every version that has a manifest is whole (the failed attempts left none behind).
    const versions = await listCheckpoints(jobGrid.namespace, 'job-r');
    assert.ok(versions.length > 0);
    for (const v of versions) assert.ok([2, 4].includes((await loadCheckpoint(jobGrid.namespace, 'job-r', v)).step));
  } finally {
    await grid.close();
  }
});
