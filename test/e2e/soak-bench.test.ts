// Keeps `npm run bench -- soak --json` honest in its short mode: a real server child, simulated nodes through the
// agent API, a few seconds of submissions. Correctness only (nothing acknowledged is lost, every acknowledged job is
// in the SQLite file after the server stopped, the nodes ran jobs); no timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../src/paths.ts';

test('bench soak --seconds 3: every acknowledged submission is stored, nothing lost, nodes heartbeat and run jobs', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'soak', '--json', '--seconds', '3', '--rate', '300', '--nodes', '20', '--connections', '8'], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  assert.equal(out.submitted, 900);
  assert.equal(out.errors, 0);
  assert.equal(out.non2xx, 0);
  assert.equal(out.acknowledged, 900);
  assert.equal(out.lost, 0);
  assert.equal(out.stored, out.acknowledged);
  assert.equal(out.storedUnacknowledged, 0);
  assert.equal(out.heartbeatErrors, 0);
  assert.ok(out.heartbeats! > 0, 'nodes sent heartbeats');
  assert.ok(out.launched! > 0, 'jobs were launched on the simulated nodes');
  for (const k of ['throughputPerS', 'p50Ms', 'p99Ms', 'rssStartMiB', 'rssEndMiB', 'rssGrowthMiBPerMin', 'heartbeatP99Ms', 'nodes', 'seconds']) {
    assert.equal(typeof out[k], 'number', `${k} present`);
  }
});
