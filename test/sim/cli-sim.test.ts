import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/fairway.js', import.meta.url));
const fairway = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const REQUIRED = ['policy', 'jobs', 'avgJctS', 'medianJctS', 'p95JctS', 'avgWaitS', 'p95WaitS', 'maxWaitS', 'makespanS', 'gpuUtil', 'cpuUtil', 'memUtil', 'jainRaw', 'jainNormalised', 'rhoMax'];

test('fairway sim --scenario paper --json prints one object per policy and writes a report with SVG charts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sim-report-'));
  const r = fairway('sim', '--scenario', 'paper', '--hours', '3', '--policy', 'fifo,fairway+grid', '--json', '--report', dir);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(objs.map((o) => o.policy), ['fifo', 'fairway+grid']);
  for (const o of objs) {
    for (const k of REQUIRED) assert.ok(k in o, `missing ${k}`);
    assert.ok((o.jobs as number) > 0);
    assert.ok((o.gpuUtil as number) > 0 && (o.gpuUtil as number) <= 1);
  }
  for (const f of ['report.md', 'jct-cdf.svg', 'gpu-utilisation.svg', 'jain.svg', 'tenant-share.svg']) assert.ok(existsSync(join(dir, f)), f);
  assert.match(readFileSync(join(dir, 'jct-cdf.svg'), 'utf8'), /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<path d="M/);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /\| fairway\+grid \|/);
});

test('malformed trace rows: skipped with a count and file:line on stderr, or fail the run with --on-malformed fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sim-bad-'));
  const trace = join(dir, 'bad.csv');
  writeFileSync(trace, [
    'job_id,tenant,user,submit_time_s,duration_s,num_gpus,num_cpus,memory_gb,gpu_fraction,gpu_type,num_nodes,status,priority_class,queue_delay_s,submit_timestamp,model,source',
    'j1,t1,,0,60,1,,,1,,,UNKNOWN,,,,,x',
    'j2,t1,,5,-3,1,,,1,,,UNKNOWN,,,,,x',
    'j3,t2,,9,30,1,,,1,,,UNKNOWN,,,,,x',
  ].join('\n'));
  const ok = fairway('sim', '--trace', trace, '--nodes', '1', '--gpus-per-node', '1', '--policy', 'fifo', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout.trim()) as { jobs: number }).jobs, 2);
  assert.match(ok.stderr, /skipped 1 malformed trace row/);
  assert.match(ok.stderr, /bad\.csv:3: duration_s must not be negative/);
  const fail = fairway('sim', '--trace', trace, '--nodes', '1', '--gpus-per-node', '1', '--policy', 'fifo', '--json', '--on-malformed', 'fail');
  assert.equal(fail.status, 2);
  assert.match(fail.stderr, /bad\.csv:3/);
  assert.match(fail.stderr, /\[trace_format\]/);
  const unknown = fairway('sim', '--trace', trace, '--policy', 'nope', '--json');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown policy 'nope'/);
});
