// The example job specs parse, name an example script that exists, and use only the submission's fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../src/paths.ts';
import { readJobEnv } from '../../src/sdk/job-env.ts';

const FIELDS = new Set(['name', 'kind', 'request', 'command', 'env', 'dataset', 'priorityClass', 'expectedDurationMs',
  'preemptible', 'migratable', 'deadline', 'gangSize', 'nodeSelector']);

test('every example job spec is a valid submission for an existing example script', () => {
  const dir = join(repoRoot, 'examples', 'jobs');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const spec = parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(spec)) assert.ok(FIELDS.has(key), `${f}: unknown field ${key}`);
    assert.equal(typeof spec.name, 'string', f);
    const command = spec.command as string[];
    assert.ok(Array.isArray(command) && command.every((c) => typeof c === 'string'), `${f}: command is a list of strings`);
    const script = command.find((c) => c.startsWith('examples/'));
    assert.ok(script && existsSync(join(repoRoot, script)), `${f}: runs an existing example (${script})`);
    const request = spec.request as { cpu?: number; memoryMiB?: number };
    assert.ok((request.cpu ?? 0) > 0 && (request.memoryMiB ?? 0) > 0, `${f}: requests cpu and memory`);
    // The env it sets must pass the SDK's own validation.
    readJobEnv(spec.env as NodeJS.ProcessEnv);
  }
});
