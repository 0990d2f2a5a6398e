import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../main.ts';

async function capture(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    await buildProgram().parseAsync(['node', 'fairway', ...argv]);
  } finally {
    console.log = orig;
  }
  return lines.join('\n');
}

test('fairway grid load-fashion-mnist decodes the bundled slice into shards', async () => {
  const out = await capture(['grid', 'load-fashion-mnist', '--url', 'embedded', '--split', 't10k', '--bundled', '--json']);
  const m = JSON.parse(out) as { name: string; version: string; items: number };
  assert.equal(m.name, 'fashion-mnist-t10k');
  assert.equal(m.version, 'v1-bundled-2000');
  assert.equal(m.items, 2000);
});

test('fairway grid stats and datasets run against an (empty) embedded grid', async () => {
  assert.equal(await capture(['grid', 'stats', '--url', 'embedded', '--json']), '[]');
  assert.equal(await capture(['grid', 'datasets', '--url', 'embedded']), '(no datasets)');
});
