// The lint rule that keeps src/core pure must really catch ambient time, randomness, timers, process and node:*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('src/core rejects Date, Math.random, timers, process and node:* imports', async () => {
  const cases = [
    'export const t = Date.now();',
    'export const r = Math.random();',
    'setTimeout(() => 1, 5);',
    'export const e = process.env.X;',
    "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;",
    "import { x } from '../../runtime/driver.ts';\nexport const y = x;",
  ];
  for (const code of cases) {
    const found = await problems(code, 'src/core/scheduler/example.ts');
    assert.ok(found.some((m) => /no-restricted/.test(m)), `expected a purity error for: ${code}\n got: ${found.join('; ')}`);
  }
});

test('the same code is allowed outside src/core', async () => {
  const found = await problems('export const t = Date.now() + Math.random();', 'src/runtime/example.ts');
  assert.deepEqual(found.filter((m) => /no-restricted/.test(m)), []);
});
