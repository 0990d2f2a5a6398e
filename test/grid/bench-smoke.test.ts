// Keeps `npm run bench -- grid --json` working: one tiny run (bundled slice, no Redis, 1 MB checkpoint) must print
// one JSON object with the agreed shape. Figures are not asserted (speed belongs in the benchmark, not in tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../src/paths.ts';

test('bench grid --json prints one object with results by source and checkpoint figures', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'grid', '--json', '--bundled', '--no-redis', '--epochs', '1', '--checkpoint-mb', '1'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { results: { source: string; MBps: number }[]; checkpoints: { adapter: string; sizeMB: number; saveMBps: number }[]; encryption: Record<string, number> };
  const sources = out.results.map((x) => x.source);
  for (const s of ['disk', 'embedded', 'memcpy']) assert.ok(sources.includes(s), `source ${s} in ${sources.join(',')}`);
  for (const x of out.results) assert.ok(Number.isFinite(x.MBps) && x.MBps > 0, `${x.source} MBps ${x.MBps}`);
  assert.deepEqual(out.checkpoints.map((c) => [c.adapter, c.sizeMB]), [['embedded', 1]]);
  assert.ok(out.encryption.aesGcmEncryptMBps! > 0, 'encryption figure present');
});
