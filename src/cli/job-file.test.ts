import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobYaml } from './job-file.ts';
import { toJobSpec } from '../wire/job-spec.ts';

test('a YAML job spec maps to the core JobSpec (cores → milli, GPUs → milli)', () => {
  const sub = parseJobYaml('name: t\nrequest:\n  cpu: 1.5\n  memoryMiB: 512\n  gpu: 0.5\ncommand: [node, train.js]\ngangSize: 2\ndataset: fmnist@1\npriorityClass: high\n');
  const spec = toJobSpec(sub, 'j1', 'acme', 1000);
  assert.deepEqual(spec.request, { cpuMilli: 1500, gpuMilli: 500, memMiB: 512, netMbps: 0 });
  assert.deepEqual([spec.gangSize, spec.datasetRef, spec.priorityClass, spec.preemptible, spec.kind], [2, 'fmnist@1', 'high', true, 'train']);
});

test('YAML errors point at the file, line and field', () => {
  const cases: [string, RegExp][] = [
    ['name: t\nrequest:\n  cpu: -1\ncommand: [x]\n', /^job\.yaml:3: request\.cpu: Too small/],
    ['name: t\nrequest:\n  cpu: 1\ncommand: [x]\ngpus: 2\n', /^job\.yaml:5: gpus: unknown field "gpus"/],
    ['name: t\nrequest:\n  cpu: 1\n  cores: 2\ncommand: [x]\n', /^job\.yaml:4: request\.cores: unknown field/],
    ['name: t\nrequest: {cpu: 1\n', /^job\.yaml:[23]: .*Flow map/],
    ['name: t\nname: u\nrequest: {cpu: 1}\ncommand: [x]\n', /^job\.yaml:2: .*[Dd]uplicate|^job\.yaml:2: .*unique/],
    ['- just\n- a list\n', /^job\.yaml:1: \(root\): /],
    ['name: t\nrequest: {cpu: 1}\ncommand: []\n', /^job\.yaml:3: command: /],
  ];
  for (const [text, re] of cases) assert.throws(() => parseJobYaml(text), (e: Error) => { assert.match(e.message, re); return true; }, text);
});
