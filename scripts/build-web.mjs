#!/usr/bin/env node
// Builds the dashboard (web/ → web/dist) when web/dist is missing or older than its sources, so a fresh clone's
// `npm test` (and the coordinator's `/`) has it without a separate step. `--force` always builds.
// Sources: web/ (minus dist) and src/wire, which the dashboard imports.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'web', 'dist', 'index.html');

function newest(dir, skip) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (skip.has(full)) continue;
    const st = statSync(full);
    t = Math.max(t, st.isDirectory() ? newest(full, skip) : st.mtimeMs);
  }
  return t;
}

const force = process.argv.includes('--force');
const sourcesAt = Math.max(newest(join(root, 'web'), new Set([join(root, 'web', 'dist')])), newest(join(root, 'src', 'wire'), new Set()),
  statSync(join(root, 'package-lock.json')).mtimeMs);
if (!force && existsSync(dist) && statSync(dist).mtimeMs >= sourcesAt) process.exit(0);

console.error('building the dashboard (web/dist)…');
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const r = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.ts')], { cwd: join(root, 'web'), stdio: 'inherit' });
process.exit(r.status ?? 1);
