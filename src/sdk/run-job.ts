// Running a training job, as a library call (`runTrainingJob`) or as a process (`runJobMain`, what the example
// scripts call): pick the backend, load the data (grid → disk → generated, saying which), open the checkpoint store
// (grid → disk, or one the caller passes), honour stop/checkpoint requests, and map the outcome to an exit code.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { FairwayError } from '../core/util/errors.ts';
import { setupBackend, type BackendName } from './tf/backend.ts';
import { loadTrainingData, reloadTrainSplit, type DatasetName, type GridDatasetReader } from './datasets.ts';
import { DiskCheckpointStore, type CheckpointStore } from './checkpoint-store.ts';
import { ProgressReporter, type ProgressListener } from './progress.ts';
import { ignoreLateStopSignals, JobControl } from './job-control.ts';
import { watchParent } from './parent-watch.ts';
import { installNetCounter, socketBytes } from './net-counter.ts';
import { trainModel, type ModelSpec, type TrainResult } from './trainer.ts';
import { readJobEnv } from './job-env.ts';
import { JOB_EXIT } from '../wire/job-progress.ts';
import { connectJobGrid, type JobGrid } from './grid.ts';
import { GridCheckpointStore, gridDatasetReader } from './grid-storage.ts';

export const DEFAULT_CHECKPOINT_DIR = join(repoRoot, '.fairway', 'checkpoints');

export interface JobOptions {
  readonly jobId: string;
  readonly tenant: string;
  readonly seed: number;
  readonly backend: BackendName | 'auto';
  readonly epochs: number;
  readonly batchSize: number;
  readonly maxSteps?: number;
  /** A throttle: each step takes at least this long (trainer.ts). */
  readonly minStepMs?: number;
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly evalItems?: number;
  readonly checkpointEvery: number;
  readonly progressEvery: number;
  readonly resume: boolean;
  /**
   * Where checkpoints go: a store object (library use), `grid` (the job grid: the URL in FAIRWAY_GRID), a
   * directory path (disk), or `none`.
   */
  readonly checkpoints: CheckpointStore | 'grid' | 'none' | { dir: string };
  /** Read the dataset from the grid (a reader, or `grid` to connect via FAIRWAY_GRID); `disk` skips the grid. */
  readonly data: GridDatasetReader | 'grid' | 'disk';
  /**
   * The "traditional" data path: read and decode the training split from disk again every epoch (as a loader with no
   * in-memory store does) instead of once per job. Ignored when the data comes from the grid.
   */
  readonly reloadDataEachEpoch?: boolean;
  /** An already connected grid (in-process use); otherwise `grid` connects via FAIRWAY_GRID when asked. */
  readonly grid?: JobGrid;
  /** Print JSON progress lines on stdout. */
  readonly stdoutProgress: boolean;
  readonly onEvent?: ProgressListener;
  readonly control?: JobControl;
}

export interface JobOutcome extends TrainResult {
  readonly backend: BackendName;
  readonly dataSource: string;
  readonly exitCode: number;
}

export const JOB_DEFAULTS: Omit<JobOptions, 'jobId' | 'epochs' | 'batchSize'> = {
  tenant: 'default', seed: 1, backend: 'auto', checkpointEvery: 0, progressEvery: 10, resume: true,
  checkpoints: 'none', data: 'disk', stdoutProgress: false,
};

export async function runTrainingJob(spec: ModelSpec, dataset: DatasetName, options: JobOptions): Promise<JobOutcome> {
  const reporter = new ProgressReporter(options.jobId, options.stdoutProgress ? (l) => process.stdout.write(l) : null);
  // A job process (progress on stdout) reports its own socket traffic: the agent has no per-process counter.
  if (options.stdoutProgress) {
    installNetCounter();
    reporter.withNetBytes(socketBytes);
  }
  if (options.onEvent) reporter.onEvent(options.onEvent);
  const control = options.control ?? new JobControl();
  const backend = await setupBackend(options.backend);

  let grid = options.grid;
  let gridProblem: string | undefined;
  const wantsGrid = options.data === 'grid' || options.checkpoints === 'grid';
  if (wantsGrid && !grid) {
    try {
      grid = await connectJobGrid({ tenantId: options.tenant });
    } catch (err) {
      gridProblem = `grid unreachable (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  try {
    let reader: GridDatasetReader | undefined;
    if (typeof options.data === 'object') reader = options.data;
    else if (options.data === 'grid' && grid) reader = gridDatasetReader(grid);
    const data = await loadTrainingData(dataset, {
      seed: options.seed, ...(options.trainLimit !== undefined ? { trainLimit: options.trainLimit } : {}),
      ...(options.testLimit !== undefined ? { testLimit: options.testLimit } : {}), ...(reader ? { grid: reader } : {}),
    });
    const gridNoted = options.data === 'grid' && !reader && gridProblem ? { ...data, note: `${gridProblem}; ${data.note}` } : data;
    const reload = options.reloadDataEachEpoch === true && data.source !== 'grid';
    const dataNote = reload ? { ...gridNoted, note: `${gridNoted.note}; the training split is ${data.source === 'generated' ? 'regenerated' : 're-read and decoded from disk'} every epoch` } : gridNoted;
    const reloadOptions = { seed: options.seed, ...(options.trainLimit !== undefined ? { trainLimit: options.trainLimit } : {}) };

    let store: CheckpointStore | undefined;
    let storeNote: string | undefined;
    const c = options.checkpoints;
    if (c === 'grid') {
      if (grid) store = new GridCheckpointStore(grid, options.jobId);
      else {
        store = new DiskCheckpointStore(DEFAULT_CHECKPOINT_DIR, options.jobId);
        storeNote = `${gridProblem ?? 'no grid'}: checkpoints go to ${store.location}`;
      }
    } else if (c === 'none') store = undefined;
    else if ('dir' in c) store = new DiskCheckpointStore(c.dir, options.jobId);
    else store = c;

    const result = await trainModel({
      model: spec, data: dataNote, epochs: options.epochs, batchSize: options.batchSize, seed: options.seed,
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      ...(options.minStepMs !== undefined ? { minStepMs: options.minStepMs } : {}),
      ...(options.evalItems !== undefined ? { evalItems: options.evalItems } : {}),
      checkpointEvery: options.checkpointEvery, progressEvery: options.progressEvery, resume: options.resume,
      ...(store ? { store } : {}), reporter, control,
      ...(reload ? { reloadTrain: () => reloadTrainSplit(dataset, reloadOptions) } : {}),
      backend: {
        name: backend.name,
        ...(backend.fallbackReason || storeNote ? { note: [backend.fallbackReason, storeNote].filter(Boolean).join('; ') } : {}),
      },
    });
    const exitCode = result.status === 'completed' ? JOB_EXIT.completed
      : result.lastCheckpointVersion !== null ? JOB_EXIT.checkpointedAndStopped : JOB_EXIT.stoppedWithoutCheckpoint;
    return { ...result, backend: backend.name, dataSource: data.source, exitCode };
  } finally {
    // Only a grid this call connected is closed; one passed in belongs to the caller.
    if (grid && !options.grid) await grid.close();
  }
}

const positiveInt = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
};
const nonNegativeInt = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
};

export interface JobDefaults {
  readonly jobName: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly evalItems?: number;
}

/**
 * The body of a job process: flags (overriding the FAIRWAY_* environment), signal handlers, JSON progress on stdout,
 * and the exit code of docs/sdk.md. Returns the exit code; the caller sets process.exitCode.
 */
export async function runJobMain(spec: ModelSpec, dataset: DatasetName, defaults: JobDefaults, argv: string[]): Promise<number> {
  let jobId = process.env.FAIRWAY_JOB_ID ?? `${defaults.jobName}-local`;
  const reportError = (code: string, message: string, exitCode: number): number => {
    new ProgressReporter(jobId).emit('error', { code, message, exitCode });
    return exitCode;
  };
  let env;
  try {
    env = readJobEnv();
  } catch (err) {
    return reportError((err as FairwayError).code, (err as Error).message, JOB_EXIT.usage);
  }
  const program = new Command(defaults.jobName)
    .description(`Fairway example training job: ${spec.name} on ${dataset}`)
    .option('--job-id <id>', 'job id (env FAIRWAY_JOB_ID)', env.jobId ?? jobId)
    .option('--tenant <id>', 'tenant (env FAIRWAY_TENANT)', env.tenant ?? 'default')
    .option('--epochs <n>', 'epochs', positiveInt, defaults.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt, defaults.batchSize)
    .option('--max-steps <n>', 'stop after this many steps in total', positiveInt)
    .option('--min-step-ms <ms>', 'throttle: every step takes at least this long (drills, demos, tests that must not depend on the machine\'s speed)', nonNegativeInt)
    .option('--train-limit <n>', 'use the first N training items', positiveInt, defaults.trainLimit)
    .option('--test-limit <n>', 'use the first N test items', positiveInt, defaults.testLimit)
    .option('--seed <n>', 'seed (env FAIRWAY_SEED)', nonNegativeInt, env.seed ?? 1)
    .option('--backend <name>', 'auto | wasm | cpu (env FAIRWAY_BACKEND)', env.backend ?? 'auto')
    .option('--checkpoint-every <n>', 'checkpoint every N steps, 0 = only on request/stop/end (env FAIRWAY_CHECKPOINT_EVERY)', nonNegativeInt, env.checkpointEvery ?? 50)
    .option('--checkpoint-dir <dir>', 'checkpoint directory when no grid is used (env FAIRWAY_CHECKPOINT_DIR)', env.checkpointDir ?? DEFAULT_CHECKPOINT_DIR)
    .option('--grid <url>', 'grid URL for data and checkpoints (env FAIRWAY_GRID): embedded, redis://…, redis-cluster://…', env.grid)
    .option('--ca <file>', 'CA certificate (PEM) for a rediss:// grid (env FAIRWAY_GRID_CA, else FAIRWAY_CA)')
    .option('--no-resume', 'start afresh even if a checkpoint exists (env FAIRWAY_RESUME=never)')
    .option('--progress-every <n>', 'progress line every N steps', positiveInt, 10)
    .option('--reload-data-each-epoch', 're-read and decode the training data from disk every epoch, as a traditional loader does (env FAIRWAY_DATA_RELOAD=epoch)')
    .option('--quiet', 'no JSON progress on stdout (env FAIRWAY_PROGRESS=off)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : JOB_EXIT.usage;
    throw err;
  }
  const o = program.opts<{
    jobId: string; tenant: string; epochs: number; batchSize: number; maxSteps?: number; minStepMs?: number; trainLimit?: number;
    testLimit?: number; seed: number; backend: string; checkpointEvery: number; checkpointDir: string; grid?: string; ca?: string;
    resume: boolean; progressEvery: number; quiet?: boolean; reloadDataEachEpoch?: boolean;
  }>();
  jobId = o.jobId;
  if (!['auto', 'wasm', 'cpu'].includes(o.backend)) return reportError('job_config', `unknown backend '${o.backend}'`, JOB_EXIT.usage);
  // An embedded grid lives inside the process that created it (coordinator or agent): a job process that "connects"
  // to `embedded` would get an empty grid of its own and lose its checkpoints on exit. Use disk and say why.
  const embeddedOnly = o.grid === 'embedded';
  if (embeddedOnly) process.stderr.write('fairway job: FAIRWAY_GRID=embedded is not reachable from a job process; using disk for data and checkpoints\n');
  if (o.grid && !embeddedOnly) process.env.FAIRWAY_GRID = o.grid;
  if (o.ca) process.env.FAIRWAY_GRID_CA = o.ca;
  const useGrid = o.grid !== undefined && !embeddedOnly;
  const control = new JobControl();
  const removeHandlers = control.installSignalHandlers();
  // Launched by an agent: stop (with a checkpoint) if the agent dies, rather than run on as an orphan.
  const stopWatching = env.agentFd !== undefined || process.env.FAIRWAY_NODE_ID !== undefined
    ? watchParent(control, {
      ...(env.agentFd !== undefined ? { fd: env.agentFd } : {}), ...(env.leaseMs !== undefined && env.leaseMs > 0 ? { leaseMs: env.leaseMs } : {}),
      onOrphaned: (why) => writeStderr(`fairway job: ${why}; checkpointing and stopping\n`),
    })
    : () => {};
  try {
    const outcome = await runTrainingJob(spec, dataset, {
      jobId, tenant: o.tenant, seed: o.seed, backend: o.backend as BackendName | 'auto', epochs: o.epochs,
      batchSize: o.batchSize, ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      ...(o.minStepMs !== undefined ? { minStepMs: o.minStepMs } : {}),
      ...(o.trainLimit !== undefined ? { trainLimit: o.trainLimit } : {}), ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}),
      ...(defaults.evalItems !== undefined ? { evalItems: defaults.evalItems } : {}),
      checkpointEvery: o.checkpointEvery, progressEvery: o.progressEvery,
      resume: o.resume && env.resume !== 'never',
      checkpoints: useGrid ? 'grid' : { dir: o.checkpointDir },
      data: useGrid ? 'grid' : 'disk',
      stdoutProgress: !o.quiet && env.progress !== 'off', control,
      reloadDataEachEpoch: o.reloadDataEachEpoch === true || env.dataReload === 'epoch',
    });
    return outcome.exitCode;
  } catch (err) {
    const code = err instanceof FairwayError ? err.code : 'internal';
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return reportError(code, err instanceof Error ? err.message : String(err), JOB_EXIT.failed);
  } finally {
    removeHandlers();
    // Our exit code is decided: a stop signal from now on (a late one from the agent or its fence keeper) must not
    // kill the process on its way out with 143.
    ignoreLateStopSignals((sig) => writeStderr(`fairway job: ${sig} after the job had stopped; exiting with its own exit code\n`));
    stopWatching();
  }
}

function writeStderr(line: string): void {
  // stderr may be the dead agent's pipe too: a failed write is dropped (parent-watch handles the EPIPE).
  process.stderr.write(line);
}
