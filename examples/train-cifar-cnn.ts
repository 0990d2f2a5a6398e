// Example training job: heavier CNN on the SYNTHETIC CIFAR-like set (generated, not real images).
//   node --import tsx examples/train-cifar-cnn.ts --epochs 1 [--train-limit N] [--backend wasm|cpu] [--grid URL] …
// prints JSON progress lines (docs/sdk.md) and exits 0 when done, 75 when stopped after a checkpoint (SIGTERM).
// As a library: `await trainCifarCnn({ jobId: 'x', epochs: 1, … })`.
import { pathToFileURL } from 'node:url';
import { cifarCnnModel } from './models.ts';
import { runJobMain, runTrainingJob, JOB_DEFAULTS, type JobOptions, type JobOutcome } from '../src/sdk/run-job.ts';

export const trainCifarCnnDefaults = { jobName: 'train-cifar-cnn', epochs: 2, batchSize: 32 } as const;

export function trainCifarCnn(options: Partial<JobOptions> & { jobId: string }): Promise<JobOutcome> {
  return runTrainingJob(cifarCnnModel, 'synthetic-cifar', {
    ...JOB_DEFAULTS, epochs: trainCifarCnnDefaults.epochs, batchSize: trainCifarCnnDefaults.batchSize, ...options,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runJobMain(cifarCnnModel, 'synthetic-cifar', trainCifarCnnDefaults, process.argv);
}
