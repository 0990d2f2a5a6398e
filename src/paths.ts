// Where the project's files and the shared data (traces, fixtures) are. `FAIRWAY_SHARED` overrides the default
// `../shared` beside the checkout.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export function sharedDir(): string {
  return resolve(process.env.FAIRWAY_SHARED ?? resolve(repoRoot, '..', 'shared'));
}

export function sharedPath(...parts: string[]): string {
  return resolve(sharedDir(), ...parts);
}

export function hasShared(): boolean {
  return existsSync(sharedDir());
}
