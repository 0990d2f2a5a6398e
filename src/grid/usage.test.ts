import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenantGridUsage } from './usage.ts';

test('tenantGridUsage charges bytes in MiB (rounded up) and leaves the shared namespace out', () => {
  const base = { quotaBytes: 0, pinnedBytes: 0, keys: 0, evictions: 0 };
  const usage = tenantGridUsage([
    { ...base, tenantId: '_shared', usedBytes: 5 * 1024 * 1024, hits: 1, misses: 0 },
    { ...base, tenantId: 'a', usedBytes: 1024 * 1024 + 1, hits: 3, misses: 1, evictions: 2 },
    { ...base, tenantId: 'b', usedBytes: 0, hits: 0, misses: 0 },
  ]);
  // a: 1 MiB + 1 byte → 2 MiB; hit ratio 3 / 4.
  assert.deepEqual(usage, [
    { tenantId: 'a', memMiB: 2, hitRatio: 0.75, evictions: 2 },
    { tenantId: 'b', memMiB: 0, hitRatio: undefined, evictions: 0 },
  ]);
});
