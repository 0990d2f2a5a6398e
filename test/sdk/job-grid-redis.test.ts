// Job processes on a real Redis-backed grid: the dataset is published once into the grid's shared namespace, a job
// process reads it from there (not from disk) and checkpoints into its tenant's partition; after SIGUSR2 (migration)
// a second process — as on another node — resumes from the grid checkpoint at the same step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../src/paths.ts';
// The bundled 10k slice decodes ~4x faster than Debian's full set; these tests use 640 images either way.
import { BUNDLED_FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.ts';
import { JOB_EXIT, type JobProgressEvent } from '../../src/wire/job-progress.ts';
import { JobProcess } from '../../src/sdk/job-process.ts';
import { startRedisServers, redisUnavailableReason, type RedisServers } from '../grid/redis-servers.ts';
import { connectGrid } from '../../src/grid/connect.ts';
import { loadFashionMnistIntoGrid } from '../../src/grid/fashion-mnist-dataset.ts';
import { listCheckpoints } from '../../src/grid/checkpoints.ts';

const unavailable = redisUnavailableReason();
let servers: RedisServers | undefined;

before(async () => {
  if (!unavailable) servers = await startRedisServers({ cluster: false, own: true });
});
after(async () => {
  await servers?.stop();
});

async function runJob(url: string, args: string[], onEvent?: (e: JobProgressEvent, job: JobProcess) => void): Promise<{ code: number | null; events: readonly JobProgressEvent[]; stderr: string }> {
  const job: JobProcess = new JobProcess({
    command: [process.execPath, '--import', 'tsx', join(repoRoot, 'examples', 'train-mlp.ts'),
      '--train-limit', '640', '--test-limit', '200', '--batch-size', '64', '--backend', 'wasm', '--progress-every', '1', ...args],
    cwd: repoRoot,
    env: { ...process.env, FAIRWAY_FASHION_MNIST_DIR: BUNDLED_FASHION_MNIST_DIR, FAIRWAY_GRID: url, FAIRWAY_TENANT: 'tenant-r', FAIRWAY_JOB_ID: 'redis-job' },
    onEvent: (e) => onEvent?.(e, job),
  });
  const exit = await job.exited;
  return { code: exit.code, events: exit.events, stderr: exit.stderrTail.join('\n') };
}

test('a job process reads its data from a Redis grid, checkpoints there, migrates and resumes from it', { skip: unavailable }, async () => {
  const url = servers!.standaloneUrl;
  const grid = await connectGrid(url);
  try {
    await loadFashionMnistIntoGrid(grid.sharedWriter(), { split: 'train', limit: 640, preferFull: false });
    await loadFashionMnistIntoGrid(grid.sharedWriter(), { split: 't10k', limit: 200, preferFull: false });

    let signalled = false;
    const first = await runJob(url, ['--epochs', '100', '--checkpoint-every', '0'], (e, job) => {
      if (!signalled && e.type === 'progress' && e.step >= 3) {
        signalled = true;
        job.migrate();
      }
    });
    assert.equal(first.code, JOB_EXIT.checkpointedAndStopped, first.stderr);
    const start = first.events.find((e) => e.type === 'start');
    assert.ok(start?.type === 'start');
    assert.equal(start.dataSource, 'grid', start.dataNote);
    assert.equal(start.checkpointStore, 'grid');
    const stopped = first.events.find((e) => e.type === 'stopped');
    assert.ok(stopped?.type === 'stopped' && stopped.reason === 'migrate');
    // The checkpoint is in tenant-r's partition of the grid, not on disk.
    assert.deepEqual(await listCheckpoints(grid.namespace('tenant-r'), 'redis-job'), [stopped.checkpointVersion]);

    const second = await runJob(url, ['--epochs', '100', '--max-steps', String(stopped.step + 2)]);
    assert.equal(second.code, JOB_EXIT.completed, second.stderr);
    const restore = second.events.find((e) => e.type === 'restore');
    assert.ok(restore?.type === 'restore' && restore.store === 'grid' && restore.step === stopped.step);
    const steps = second.events.flatMap((e) => (e.type === 'progress' ? [e.step] : []));
    assert.deepEqual(steps, [stopped.step + 1, stopped.step + 2]);
  } finally {
    await grid.close();
  }
});
