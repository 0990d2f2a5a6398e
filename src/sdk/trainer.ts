// The training loop every Fairway job runs: seeded shuffling, progress events, checkpoints every N steps and on
// request, restore on start, and a clean stop (checkpoint first) on preemption or migration. A job resumed from a
// checkpoint continues the very same run: same weights, optimiser slots, step, epoch and position in the epoch's
// shuffled order (the RNG state at the epoch's start is saved and the permutation rebuilt from it), so its loss
// trajectory matches an uninterrupted run's step for step.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createRng, restoreRng, type RngState } from '../core/util/rng.ts';
import { assert } from '../core/util/assert.ts';
import type { CheckpointStore, LoadedCheckpoint } from './checkpoint-store.ts';
import type { SnapshotTensor, TrainingSnapshot } from './snapshot.ts';
import type { TrainingData, LabelledSet } from './datasets.ts';
import type { ProgressReporter } from './progress.ts';
import type { JobControl, StopReason } from './job-control.ts';
import { CheckpointMismatchError } from './errors.ts';
import { FairwayError } from '../core/util/errors.ts';
import { JOB_EXIT } from '../wire/job-progress.ts';

export interface ModelSpec {
  readonly name: string;
  /** Builds and compiles a fresh model (optimiser included); initialisers are seeded from `seed`. */
  build(seed: number, inputShape: readonly number[], numClasses: number): LayersModel;
}

export interface TrainOptions {
  readonly model: ModelSpec;
  readonly data: TrainingData;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Stop after this many optimiser steps in total (counting steps done before a restore). */
  readonly maxSteps?: number;
  /**
   * A throttle: every step takes at least this long, the rest of it waited out (a stop request ends the wait). For
   * drills, demos and tests whose timing must not depend on the machine's speed; a slower step is not slowed further.
   */
  readonly minStepMs?: number;
  /** Checkpoint every N steps; 0 for only on request, on stop and at the end. */
  readonly checkpointEvery: number;
  /** Report progress every N steps (and at the last step). */
  readonly progressEvery: number;
  /** Test items evaluated at the end of each epoch and of the run. */
  readonly evalItems?: number;
  /** Restore from the store's latest checkpoint when there is one. */
  readonly resume: boolean;
  readonly store?: CheckpointStore;
  readonly reporter: ProgressReporter;
  readonly control: JobControl;
  /**
   * Called at the start of every epoch after the first this run trains: a fresh copy of the training split (the
   * baseline's per-epoch read and decode). It must hold the same items as `data.train`.
   */
  readonly reloadTrain?: () => LabelledSet;
  /** Backend name and note, for the start line. */
  readonly backend: { name: string; note?: string };
}

export interface TrainResult {
  readonly status: 'completed' | 'stopped';
  readonly stopReason?: StopReason;
  readonly step: number;
  readonly epoch: number;
  readonly resumedFromStep: number | null;
  /** Per-step training loss of the steps this run did (index i is step firstStep + i + 1). */
  readonly stepLosses: readonly number[];
  readonly firstStep: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  readonly samplesPerS: number;
  readonly trainingMs: number;
  readonly checkpoints: number;
  readonly lastCheckpointVersion: number | null;
  /** How many times this run had the training split loaded: 1, plus one per epoch with `reloadTrain`. */
  readonly trainSplitLoads: number;
}

interface Position { step: number; epoch: number; stepInEpoch: number }

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `untilMs` (performance.now() time) in short slices, ending early once a stop is requested. */
async function waitOutStep(untilMs: number, control: JobControl): Promise<void> {
  for (let left = untilMs - performance.now(); left > 0 && control.stopRequested === undefined; left = untilMs - performance.now()) {
    await sleep(Math.min(left, 50));
  }
}

/** Store errors that mean "not now" rather than "never": a skipped periodic checkpoint is retried at the next one. */
const SKIPPABLE_SAVE_ERRORS = new Set(['grid_unavailable', 'grid_store_refused']);

function itemSize(set: LabelledSet): number {
  return set.itemShape.reduce((a, b) => a * b, 1);
}

function shuffled(count: number, rng: ReturnType<typeof createRng>): Uint32Array {
  const perm = new Uint32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** Adam keeps its bias-correction powers in private variables; saving them makes a restore bit-exact. */
interface AdamInternals { accBeta1?: tf.Variable; accBeta2?: tf.Variable }

async function snapshotOf(model: LayersModel, pos: Position, extra: Record<string, unknown>): Promise<TrainingSnapshot> {
  const tensors: Record<string, SnapshotTensor> = {};
  const toSnapshot = async (t: tf.Tensor): Promise<SnapshotTensor> => ({
    dtype: t.dtype === 'int32' ? 'int32' : 'float32', shape: t.shape, data: (await t.data()) as Float32Array | Int32Array,
  });
  const weights = model.getWeights();
  for (let i = 0; i < weights.length; i++) tensors[`model/${String(i).padStart(4, '0')}`] = await toSnapshot(weights[i]!);
  const optimizer = model.optimizer;
  const optWeights = await optimizer.getWeights();
  for (let i = 0; i < optWeights.length; i++) tensors[`optimizer/${String(i).padStart(4, '0')}`] = await toSnapshot(optWeights[i]!.tensor);
  // getWeights() creates the iterations scalar afresh; dispose it (the slot variables belong to the optimiser).
  if (optWeights[0]) optWeights[0].tensor.dispose();
  const adam = optimizer as unknown as AdamInternals;
  const optimizerState: Record<string, unknown> = {
    className: optimizer.getClassName(),
    slots: optWeights.length,
    ...(adam.accBeta1 && adam.accBeta2
      ? { accBeta1: (await adam.accBeta1.data())[0], accBeta2: (await adam.accBeta2.data())[0] } : {}),
  };
  return {
    step: pos.step, tensors,
    state: { ...extra, epoch: pos.epoch, stepInEpoch: pos.stepInEpoch, modelWeights: weights.length, optimizer: optimizerState },
  };
}

async function restoreInto(model: LayersModel, loaded: LoadedCheckpoint, expect: { model: string; batchSize: number; trainItems: number }): Promise<void> {
  const { snapshot } = loaded;
  const s = snapshot.state as {
    model?: string; batchSize?: number; trainItems?: number; modelWeights?: number;
    optimizer?: { className?: string; slots?: number; accBeta1?: number; accBeta2?: number };
  };
  if (s.model !== expect.model || s.batchSize !== expect.batchSize || s.trainItems !== expect.trainItems) {
    throw new CheckpointMismatchError(
      `checkpoint v${loaded.version} is for model ${s.model}, batch ${s.batchSize}, ${s.trainItems} items; this run is ${expect.model}, batch ${expect.batchSize}, ${expect.trainItems} items`,
      { version: loaded.version });
  }
  const weights = model.getWeights();
  if (s.modelWeights !== weights.length) {
    throw new CheckpointMismatchError(`checkpoint has ${s.modelWeights} weight tensors, the model ${weights.length}`, { version: loaded.version });
  }
  const toTensor = (t: SnapshotTensor): tf.Tensor => tf.tensor(t.data, [...t.shape], t.dtype);
  const restored = weights.map((w, i) => {
    const t = snapshot.tensors[`model/${String(i).padStart(4, '0')}`];
    if (!t || t.shape.join(',') !== w.shape.join(',')) {
      throw new CheckpointMismatchError(`weight ${i}: checkpoint shape [${t?.shape.join(',')}], model [${w.shape.join(',')}]`, { index: i });
    }
    return toTensor(t);
  });
  model.setWeights(restored);
  tf.dispose(restored);
  const optimizer = model.optimizer;
  if (s.optimizer?.className !== optimizer.getClassName()) {
    throw new CheckpointMismatchError(`checkpoint optimiser ${s.optimizer?.className}, model's ${optimizer.getClassName()}`, {});
  }
  const slots = s.optimizer.slots ?? 0;
  const named = Array.from({ length: slots }, (_, i) => {
    const t = snapshot.tensors[`optimizer/${String(i).padStart(4, '0')}`];
    if (!t) throw new CheckpointMismatchError(`checkpoint lacks optimiser slot ${i}`, { index: i });
    return { name: `slot${i}`, tensor: toTensor(t) };
  });
  // setWeights wraps slot tensors in new variables; the iterations scalar (first) is only read, so dispose it.
  await optimizer.setWeights(named);
  named[0]?.tensor.dispose();
  tf.dispose(named.slice(1).map((n) => n.tensor));
  const adam = optimizer as unknown as AdamInternals;
  if (adam.accBeta1 && adam.accBeta2 && s.optimizer.accBeta1 !== undefined && s.optimizer.accBeta2 !== undefined) {
    adam.accBeta1.assign(tf.scalar(s.optimizer.accBeta1));
    adam.accBeta2.assign(tf.scalar(s.optimizer.accBeta2));
  }
}

function evaluate(model: LayersModel, set: LabelledSet, numClasses: number, items: number): { loss: number; accuracy: number; count: number } {
  const n = Math.min(items, set.count);
  const per = itemSize(set);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += 256) {
    const m = Math.min(256, n - start);
    const [l, c] = tf.tidy(() => {
      const xs = tf.tensor(set.x.subarray(start * per, (start + m) * per), [m, ...set.itemShape]);
      const labels = tf.tensor1d(Int32Array.from(set.y.subarray(start, start + m)), 'int32');
      const probs = model.predict(xs) as tf.Tensor2D;
      const ys = tf.oneHot(labels, numClasses);
      const loss = tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(probs, 1e-7, 1)))));
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), labels), 'float32'));
      return [loss.dataSync()[0]!, hits.dataSync()[0]!];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: n > 0 ? lossSum / n : NaN, accuracy: n > 0 ? correct / n : NaN, count: n };
}

export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { data, batchSize, epochs, seed, reporter, control, store } = options;
  const numClasses = data.classNames.length;
  let train = data.train;
  let trainEpoch = -1;
  let trainSplitLoads = 1;
  const per = itemSize(train);
  const stepsPerEpoch = Math.ceil(train.count / batchSize);
  const totalSteps = Math.min(options.maxSteps ?? Infinity, epochs * stepsPerEpoch);
  const evalItems = options.evalItems ?? data.test.count;
  const model = options.model.build(seed, train.itemShape, numClasses);
  const identity = { model: options.model.name, batchSize, trainItems: train.count };

  const pos: Position = { step: 0, epoch: 0, stepInEpoch: 0 };
  let rngEpochStart: RngState = createRng(seed).fork('shuffle').state();
  let resumedFromStep: number | null = null;
  let expectedRngAfterShuffle: RngState | undefined;
  if (options.resume && store) {
    const loaded = await store.loadLatest();
    if (loaded) {
      await restoreInto(model, loaded, identity);
      const st = loaded.snapshot.state as { epoch: number; stepInEpoch: number; rngEpochStart: RngState; rngCurrent: RngState };
      pos.step = loaded.snapshot.step;
      pos.epoch = st.epoch;
      pos.stepInEpoch = st.stepInEpoch;
      rngEpochStart = st.rngEpochStart;
      if (pos.stepInEpoch > 0) expectedRngAfterShuffle = st.rngCurrent;
      resumedFromStep = pos.step;
      reporter.emit('restore', { step: pos.step, epoch: pos.epoch, store: store.kind, version: loaded.version, skipped: [...loaded.skipped] });
    }
  }

  reporter.emit('start', {
    model: options.model.name, backend: options.backend.name, ...(options.backend.note ? { backendNote: options.backend.note } : {}),
    dataset: data.name, dataSource: data.source, dataNote: data.note, trainItems: train.count, testItems: data.test.count,
    epochs, batchSize, stepsPerEpoch, totalSteps, seed, checkpointStore: store?.kind ?? 'none', resumedFromStep,
  });

  let rng = restoreRng(rngEpochStart);
  let perm: Uint32Array | undefined;
  let checkpoints = 0;
  let lastCheckpointVersion: number | null = null;
  const firstStep = pos.step;
  const stepLosses: number[] = [];
  let lastEval: { step: number; loss: number; accuracy: number } | undefined;
  const batchX = new Float32Array(batchSize * per);
  const batchY = new Int32Array(batchSize);
  let windowLoss = 0, windowAcc = 0, windowSteps = 0, windowSamples = 0;
  let windowStart = performance.now();
  const runStart = performance.now();
  let trainingMs = 0;
  let samplesDone = 0;

  let lastCheckpointStep: number | null = resumedFromStep;
  const checkpoint = async (reason: 'interval' | 'request' | 'stop' | 'final'): Promise<number | null> => {
    assert(store !== undefined, 'checkpoint without a store');
    const t0 = performance.now();
    const snapshot = await snapshotOf(model, pos, {
      ...identity, seed, dataset: data.name, rngEpochStart, rngCurrent: rng.state(),
    });
    let saved;
    try {
      saved = await store.save(snapshot);
    } catch (err) {
      // The store is unavailable for now (after its retries): nothing was committed, the previous checkpoint still
      // stands. A periodic or requested checkpoint is skipped and training goes on (the next interval tries again);
      // a stop or final checkpoint cannot be skipped, so that error ends the run.
      if (!(err instanceof FairwayError) || !SKIPPABLE_SAVE_ERRORS.has(err.code) || reason === 'stop' || reason === 'final') throw err;
      reporter.emit('checkpoint_failed', { step: pos.step, epoch: pos.epoch, reason, code: err.code, message: err.message, fallbackStep: lastCheckpointStep });
      return null;
    }
    lastCheckpointStep = pos.step;
    checkpoints++;
    lastCheckpointVersion = saved.version;
    reporter.emit('checkpoint', {
      step: pos.step, epoch: pos.epoch, reason, store: store.kind, version: saved.version, bytes: saved.bytes,
      durationMs: performance.now() - t0,
    });
    return saved.version;
  };

  const runEval = (): void => {
    const r = evaluate(model, data.test, numClasses, evalItems);
    lastEval = { step: pos.step, loss: r.loss, accuracy: r.accuracy };
    reporter.emit('eval', { step: pos.step, epoch: pos.epoch, testLoss: r.loss, testAccuracy: r.accuracy, testItems: r.count });
  };

  try {
    while (pos.step < totalSteps) {
      const stepStart = performance.now();
      if (!perm) {
        if (options.reloadTrain && trainEpoch !== -1 && trainEpoch !== pos.epoch) {
          const fresh = options.reloadTrain();
          assert(fresh.count === train.count && itemSize(fresh) === per, 'a reloaded training split differs from the first one');
          train = fresh;
          trainSplitLoads++;
        }
        trainEpoch = pos.epoch;
        rng = restoreRng(rngEpochStart);
        perm = shuffled(train.count, rng);
        if (expectedRngAfterShuffle) {
          assert(expectedRngAfterShuffle.every((v, i) => v === rng.state()[i]), 'restored shuffle diverged from the checkpointed RNG state');
          expectedRngAfterShuffle = undefined;
        }
      }
      const start = pos.stepInEpoch * batchSize;
      const n = Math.min(batchSize, train.count - start);
      for (let i = 0; i < n; i++) {
        const idx = perm[start + i]!;
        batchX.set(train.x.subarray(idx * per, (idx + 1) * per), i * per);
        batchY[i] = train.y[idx]!;
      }
      const t0 = performance.now();
      const xs = tf.tensor(batchX.subarray(0, n * per), [n, ...train.itemShape]);
      const labels = tf.tensor1d(batchY.subarray(0, n), 'int32');
      const ys = tf.oneHot(labels, numClasses);
      const out = await model.trainOnBatch(xs, ys);
      tf.dispose([xs, labels, ys]);
      trainingMs += performance.now() - t0;
      const [loss, acc] = Array.isArray(out) ? out : [out, NaN];
      pos.step++;
      pos.stepInEpoch++;
      samplesDone += n;
      stepLosses.push(loss!);
      windowLoss += loss!;
      windowAcc += acc!;
      windowSteps++;
      windowSamples += n;
      if (pos.step % options.progressEvery === 0 || pos.step === totalSteps) {
        const now = performance.now();
        reporter.emit('progress', {
          step: pos.step, epoch: pos.epoch, totalSteps, loss: windowLoss / windowSteps, accuracy: windowAcc / windowSteps,
          samplesPerS: windowSamples / Math.max(1e-9, (now - windowStart) / 1000),
        });
        windowLoss = windowAcc = windowSteps = windowSamples = 0;
        windowStart = now;
      }
      if (pos.stepInEpoch === stepsPerEpoch) {
        runEval();
        pos.epoch++;
        pos.stepInEpoch = 0;
        rngEpochStart = rng.state();
        perm = undefined;
      }
      // Signals are delivered as event-loop tasks; without this turn a stop request would wait for the end. A throttled
      // job waits out the rest of its step here (a timer is such a turn too).
      const stepEnd = stepStart + (options.minStepMs ?? 0);
      await (stepEnd > performance.now() ? waitOutStep(stepEnd, control) : yieldToEventLoop());
      const stop = control.stopRequested;
      if (stop && pos.step < totalSteps) {
        // Without a store the stop still happens, but the job cannot resume: a different exit code says so.
        const version = store ? await checkpoint('stop') : null;
        reporter.emit('stopped', {
          reason: stop, step: pos.step, epoch: pos.epoch, checkpointVersion: version,
          exitCode: version === null ? JOB_EXIT.stoppedWithoutCheckpoint : JOB_EXIT.checkpointedAndStopped,
        });
        return {
          status: 'stopped', stopReason: stop, step: pos.step, epoch: pos.epoch, resumedFromStep, stepLosses, firstStep,
          testLoss: lastEval?.loss ?? NaN, testAccuracy: lastEval?.accuracy ?? NaN,
          samplesPerS: samplesDone / Math.max(1e-9, trainingMs / 1000), trainingMs: performance.now() - runStart,
          checkpoints, lastCheckpointVersion, trainSplitLoads,
        };
      }
      const requested = control.takeCheckpointRequest();
      if (store && pos.step < totalSteps && (requested || (options.checkpointEvery > 0 && pos.step % options.checkpointEvery === 0))) {
        await checkpoint(requested ? 'request' : 'interval');
      }
    }
    if (!lastEval || lastEval.step !== pos.step) runEval();
    if (store) await checkpoint('final');
    const result: TrainResult = {
      status: 'completed', step: pos.step, epoch: pos.epoch, resumedFromStep, stepLosses, firstStep,
      testLoss: lastEval!.loss, testAccuracy: lastEval!.accuracy,
      samplesPerS: samplesDone / Math.max(1e-9, trainingMs / 1000), trainingMs: performance.now() - runStart,
      checkpoints, lastCheckpointVersion, trainSplitLoads,
    };
    reporter.emit('done', {
      step: result.step, epoch: result.epoch, loss: stepLosses.at(-1) ?? NaN, testLoss: result.testLoss,
      testAccuracy: result.testAccuracy, samplesPerS: result.samplesPerS, trainingMs: result.trainingMs,
    });
    return result;
  } finally {
    model.optimizer.dispose();
    model.dispose();
  }
}
