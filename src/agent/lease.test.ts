import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHeartbeatFitsLease, Lease, LeaseConfigError, leaseTerms } from './lease.ts';

test('lease terms: lease + stop grace stay below the node timeout, with a fifth to spare, for any timeout', () => {
  for (const timeout of [1000, 1001, 2500, 3000, 4000, 30_000, 60_000, 3_600_000]) {
    const t = leaseTerms(timeout)!;
    assert.ok(t.leaseMs + t.graceMs <= timeout * 0.8, `timeout ${timeout}: ${JSON.stringify(t)}`);
    assert.ok(t.leaseMs > 0 && t.graceMs > 0 && t.keepaliveMs * 4 <= t.leaseMs);
  }
  assert.deepEqual(leaseTerms(30_000), { nodeTimeoutMs: 30_000, leaseMs: 15_000, graceMs: 9000, keepaliveMs: 3750 });
  assert.equal(leaseTerms(60_000)!.graceMs, 10_000, 'the grace is capped at the usual 10 s stop grace');
});

test('lease terms: 0 means no lease; too short or malformed timeouts are clear errors', () => {
  assert.equal(leaseTerms(0), undefined);
  assert.throws(() => leaseTerms(999), (e: unknown) => e instanceof LeaseConfigError && e.code === 'lease_config' && /too short/.test(e.message));
  assert.throws(() => leaseTerms(-1), LeaseConfigError);
  assert.throws(() => leaseTerms(1.5), LeaseConfigError);
});

test('heartbeats must renew the lease at least twice over', () => {
  const t = leaseTerms(3000)!;
  checkHeartbeatFitsLease(750, t);
  assert.throws(() => checkHeartbeatFitsLease(751, t), /--heartbeat-ms 751 is too long.*≤ 750/);
});

test('a lease on an injected clock: fresh from a renewal for leaseMs, renewals count from the send time', () => {
  const lease = new Lease(leaseTerms(4000)!);
  assert.equal(lease.fresh(0), false, 'no lease before the first exchange');
  assert.equal(lease.ageMs(0), undefined);
  lease.renew(1000);
  assert.equal(lease.fresh(1000), true);
  assert.equal(lease.fresh(2999), true);
  assert.equal(lease.fresh(3000), false, 'expires exactly leaseMs after the renewal');
  assert.equal(lease.ageMs(3000), 2000);
  // A reply read late to a request sent before the last renewal does not move the lease back...
  lease.renew(500);
  assert.equal(lease.ageMs(3000), 2000);
  // ...and one sent long ago but read now (after a freeze) does not make it fresh.
  lease.renew(2500);
  assert.equal(lease.fresh(5000), false);
  assert.equal(lease.fresh(4499), true);
});
