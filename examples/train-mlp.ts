// Example training job: MLP on Fashion-MNIST.
//   node --import tsx examples/train-mlp.ts --epochs 1 [--train-limit N] [--backend wasm|cpu] [--grid URL] …
// prints JSON progress lines (docs/sdk.md) and exits 0 when done, 75 when stopped after a checkpoint (SIGTERM).
// As a library: `await trainMlp({ jobId: 'x', epochs: 1, … })`.
import { pathToFileURL } from 'node:url';
import { mlpModel } from './models.ts';
import { runJobMain, runTrainingJob, JOB_DEFAULTS, type JobOptions, type JobOutcome } from '../src/sdk/run-job.ts';

export const trainMlpDefaults = { jobName: 'train-mlp', epochs: 3, batchSize: 64 } as const;

export function trainMlp(options: Partial<JobOptions> & { jobId: string }): Promise<JobOutcome> {
  return runTrainingJob(mlpModel, 'fashion-mnist', {
    ...JOB_DEFAULTS, epochs: trainMlpDefaults.epochs, batchSize: trainMlpDefaults.batchSize, ...options,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runJobMain(mlpModel, 'fashion-mnist', trainMlpDefaults, process.argv);
}
