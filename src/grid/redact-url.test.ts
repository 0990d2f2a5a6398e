import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from './redis-store.ts';
import { gridTlsCa } from './connect.ts';

test('redactUrl hides a Redis password and keeps the rest', () => {
  assert.equal(redactUrl('rediss://fw-acme:s3cr%40t@10.0.0.1:6380/0'), 'rediss://fw-acme:***@10.0.0.1:6380/0');
  assert.equal(redactUrl('redis-cluster://:pw@h1:1,h2:2'), 'redis-cluster://:***@h1:1,h2:2');
  assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
});

test('gridTlsCa reads a CA only for TLS grid URLs (a coordinator CA does not refuse a loopback redis://)', () => {
  assert.equal(gridTlsCa('redis://127.0.0.1:6379', undefined, { FAIRWAY_CA: '/nonexistent.pem' }), undefined);
  assert.equal(gridTlsCa('embedded', undefined, { FAIRWAY_CA: '/nonexistent.pem' }), undefined);
  assert.throws(() => gridTlsCa('rediss://h:1', undefined, { FAIRWAY_CA: '/nonexistent.pem' }), /cannot read the CA file \/nonexistent\.pem/);
  assert.throws(() => gridTlsCa('rediss-cluster://h:1', undefined, { FAIRWAY_GRID_CA: '/grid.pem', FAIRWAY_CA: '/other.pem' }), /\/grid\.pem/);
  assert.equal(gridTlsCa('rediss://h:1', undefined, {}), undefined);
});
