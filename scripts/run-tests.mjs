#!/usr/bin/env node
// Runs the test suite with node's own test runner (its summary lines are what CI reads).
// Node 20's `--test` does not expand globs, so we find the files ourselves.
// Usage: node scripts/run-tests.mjs [--serial] [path-substring ...]   e.g. `npm test -- src/core`
// --serial runs one file at a time (the fault suite: its scenarios pause and kill processes against heartbeat
// timeouts, which a second file competing for the same two cores would blur).
// Suites with their own command (test/faults, test/security) are left to `npm run test:faults|security`
// unless named explicitly.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const serial = args.includes('--serial');
const filters = args.filter((a) => a !== '--serial');
const separateSuites = ['test/faults/', 'test/security/'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.test\.ts$/.test(name)) out.push(relative(root, full));
  }
  return out;
}

let files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])].sort();
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.includes(p)));
else files = files.filter((f) => !separateSuites.some((s) => f.startsWith(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${serial ? 1 : 2}`, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
