// Example training job: small CNN on Fashion-MNIST.
//   node --import tsx examples/train-cnn.ts --epochs 1 [--train-limit N] [--backend wasm|cpu] [--grid URL] …
// prints JSON progress lines (docs/sdk.md) and exits 0 when done, 75 when stopped after a checkpoint (SIGTERM).
// As a library: `await trainCnn({ jobId: 'x', epochs: 1, … })`.
import { pathToFileURL } from 'node:url';
import { cnnModel } from './models.ts';
import { runJobMain, runTrainingJob, JOB_DEFAULTS, type JobOptions, type JobOutcome } from '../src/sdk/run-job.ts';

export const trainCnnDefaults = { jobName: 'train-cnn', epochs: 2, batchSize: 64 } as const;

export function trainCnn(options: Partial<JobOptions> & { jobId: string }): Promise<JobOutcome> {
  return runTrainingJob(cnnModel, 'fashion-mnist', {
    ...JOB_DEFAULTS, epochs: trainCnnDefaults.epochs, batchSize: trainCnnDefaults.batchSize, ...options,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runJobMain(cnnModel, 'fashion-mnist', trainCnnDefaults, process.argv);
}
