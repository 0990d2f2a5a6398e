// End to end with real processes: the coordinator (HTTP + SQLite), `fairway agent` processes, real job processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster, mlpCommand } from './cluster.ts';

test('an agent registers and runs a real training job to success, forwarding its progress and checkpoints', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('solo', { cpus: 1, memoryMiB: 1500 });
    const nodes = (await c.api('GET', '/v1/nodes')) as { nodes: { id: string; capacity: { cpuMilli: number; memMiB: number } }[] };
    assert.deepEqual(nodes.nodes.map((n) => [n.id, n.capacity.cpuMilli, n.capacity.memMiB]), [['solo', 1000, 1500]]);
    await c.tenant('acme');
    const id = await c.submit('acme', { name: 'mlp', cpu: 1, memoryMiB: 1200, command: mlpCommand({ trainLimit: 256, epochs: 1, checkpointDir: join(c.dir, 'ck') }) });
    const done = await c.waitForState(id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.equal(done.exitCode, 0);
    assert.deepEqual(done.nodeIds, ['solo']);
    const progress = await c.progress(id);
    const types = new Set(progress.map((p) => p.type));
    for (const t of ['start', 'progress', 'done']) assert.ok(types.has(t), `progress line '${t}' forwarded`);
    const events = (await c.events(id)).map((e) => e.type);
    assert.deepEqual(events.filter((e) => e !== 'checkpointed'), ['submitted', 'placed', 'started', 'succeeded']);
    assert.ok(events.includes('checkpointed'), 'the final checkpoint is reported');
  } finally {
    await c.close();
  }
});

test('a missing or crashing command fails with its exit code and last log lines; another job is unaffected', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('n1', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const good = await c.submit('acme', {
      name: 'steady', cpu: 0.2, memoryMiB: 200,
      command: [process.execPath, '-e', "let i=0; const t=setInterval(()=>{console.log('tick '+(++i)); if(i===15){clearInterval(t)}},100)"],
    });
    const missing = await c.submit('acme', { name: 'missing', cpu: 0.1, memoryMiB: 50, command: ['no-such-command-fw-e2e', '--x'] });
    const crash = await c.submit('acme', {
      name: 'crash', cpu: 0.1, memoryMiB: 200,
      command: [process.execPath, '-e', "console.log('loading'); console.error('fatal: disk on fire'); process.exit(3)"],
    });
    const m = await c.waitForState(missing, ['succeeded', 'failed']);
    assert.equal(m.state, 'failed');
    assert.equal(m.exitCode, 127);
    const mReason = (await c.events(missing)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(mReason, /command not found: "no-such-command-fw-e2e"/);

    const x = await c.waitForState(crash, ['succeeded', 'failed']);
    assert.equal(x.state, 'failed');
    assert.equal(x.exitCode, 3);
    const xReason = (await c.events(crash)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(xReason, /exit code 3/);
    assert.match(xReason, /fatal: disk on fire/, 'the last log lines travel with the failure');

    const g = await c.waitForState(good, ['succeeded', 'failed']);
    assert.equal(g.state, 'succeeded');
    assert.ok((await c.logs(good)).includes('tick 15'));
  } finally {
    await c.close();
  }
});

test('a job past its memory limit is stopped with that reason', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('n1', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const hog = await c.submit('acme', {
      name: 'hog', cpu: 0.2, memoryMiB: 120,
      // Grows by ~20 MiB every 50 ms and would reach ~1 GiB; the limit is 120 MiB.
      command: [process.execPath, '-e', "const a=[]; const t=setInterval(()=>{a.push(Buffer.alloc(20*2**20,1)); if(a.length>50){clearInterval(t)}},50)"],
    });
    const j = await c.waitForState(hog, ['succeeded', 'failed']);
    assert.equal(j.state, 'failed');
    assert.equal(j.exitCode, 137, 'killed with SIGKILL');
    const reason = (await c.events(hog)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(reason, /^memory limit exceeded: RSS \d+ MiB > limit 120 MiB/);
  } finally {
    await c.close();
  }
});
