import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { registerDashboard } from './dashboard.ts';

test('the dashboard is served at / with its hashed assets, and nothing outside assets/ is reachable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-dash-'));
  const app = Fastify();
  try {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Fairway</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    registerDashboard(app, dir);
    const index = await app.inject({ url: '/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.headers['content-type'] as string, /text\/html/);
    assert.match(index.body, /<title>Fairway/);
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(js.statusCode, 200);
    assert.match(js.headers['content-type'] as string, /javascript/);
    for (const url of ['/assets/..%2Fsecret.txt', '/assets/missing.js', '/assets/.hidden']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('before a build, / says how to build the dashboard', async () => {
  const app = Fastify();
  registerDashboard(app, join(tmpdir(), 'fw-no-such-dist-dir'));
  const res = await app.inject({ url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /npm run build:web/);
  await app.close();
});
