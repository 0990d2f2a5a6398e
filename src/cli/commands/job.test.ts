import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeJob } from './job.ts';
import type { JobView } from '../../wire/schemas.ts';

const pending: JobView = {
  id: 'j2', tenant: 'acme', name: 'waits', state: 'pending', request: { cpuMilli: 1000, gpuMilli: 0, memMiB: 0, netMbps: 0 }, gangSize: 1,
  priorityClass: 'normal', kind: 'train', preemptible: true, migratable: false, command: ['x'], nodeIds: [], exitCode: null,
  submittedAt: '2026-11-29T12:00:00.000Z', updatedAt: '2026-11-29T12:00:00.000Z',
  waiting: { position: 1, queueLength: 1, reasons: [], estimatedStartAt: null, lastCycleAt: null, reservation: null, estimate: { basis: 'none', note: 'no reservation yet: not a starving job; no estimate: running jobs have no expected duration' } },
};

test('fairway job: the why-waiting view says why there is no estimated start', () => {
  const lines = describeJob(pending);
  assert.ok(lines.includes('  estimated start: unknown (no reservation yet: not a starving job; no estimate: running jobs have no expected duration)'), lines.join('\n'));
});

test('fairway job: a reserved job shows its held nodes and the estimate’s basis', () => {
  const reserved: JobView = {
    ...pending,
    waiting: { ...pending.waiting!, estimatedStartAt: '2026-11-29T13:00:00.000Z', reservation: { nodeIds: ['n1', 'n2'], since: '2026-11-29T12:30:00.000Z', estimatedStartAt: '2026-11-29T13:00:00.000Z' }, estimate: { basis: 'reservation', note: 'reserved: n1, n2 held' } },
  };
  const lines = describeJob(reserved);
  assert.ok(lines.includes('  reserved: n1, n2 held for it since 2026-11-29T12:30:00.000Z'), lines.join('\n'));
  assert.ok(lines.includes('  estimated start: 2026-11-29T13:00:00.000Z (reservation: reserved: n1, n2 held)'), lines.join('\n'));
});
