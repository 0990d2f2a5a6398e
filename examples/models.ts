// The example jobs' models. Each layer's initialiser is seeded from the job seed, so two runs with the same seed
// start from the same weights (the resume test relies on it). Adam throughout; tfjs-layers compiles the model.
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../src/sdk/trainer.ts';

function seeded(seed: number): () => { kernelInitializer: ReturnType<typeof tfl.initializers.glorotUniform> } {
  let layer = 0;
  return () => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed: (seed * 131 + ++layer) >>> 0 }) });
}

function compile(model: tfl.Sequential, learningRate: number): tfl.Sequential {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Fashion-MNIST MLP: 784 → 128 → 10 (~100k parameters). */
export const mlpModel: ModelSpec = {
  name: 'mlp',
  build(seed, inputShape, numClasses) {
    const init = seeded(seed);
    const m = tfl.sequential();
    m.add(tfl.layers.flatten({ inputShape: [...inputShape] }));
    m.add(tfl.layers.dense({ units: 128, activation: 'relu', ...init() }));
    m.add(tfl.layers.dense({ units: numClasses, activation: 'softmax', ...init() }));
    return compile(m, 1e-3);
  },
};

/** Fashion-MNIST small CNN: conv8 → pool → conv16 → pool → dense 64 → 10 (~28k parameters). */
export const cnnModel: ModelSpec = {
  name: 'cnn',
  build(seed, inputShape, numClasses) {
    const init = seeded(seed);
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [...inputShape], filters: 8, kernelSize: 3, activation: 'relu', ...init() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', ...init() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 64, activation: 'relu', ...init() }));
    m.add(tfl.layers.dense({ units: numClasses, activation: 'softmax', ...init() }));
    return compile(m, 2e-3);
  },
};

/**
 * Heavier CNN for the synthetic CIFAR-like set: two conv blocks (16, 16 | 32, 32, 'same' padding, stride-2 pooling)
 * then dense 64 → 10 (~150k parameters, ~10× the FLOPs per image of the small CNN).
 */
export const cifarCnnModel: ModelSpec = {
  name: 'cifar-cnn',
  build(seed, inputShape, numClasses) {
    const init = seeded(seed);
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [...inputShape], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', ...init() }));
    m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', ...init() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', ...init() }));
    m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', ...init() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 64, activation: 'relu', ...init() }));
    m.add(tfl.layers.dense({ units: numClasses, activation: 'softmax', ...init() }));
    return compile(m, 1e-3);
  },
};
