import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTraceAll, TraceFormatError } from './trace-reader.ts';

const HEADER = 'job_id,tenant,user,submit_time_s,duration_s,num_gpus,num_cpus,memory_gb,gpu_fraction,gpu_type,num_nodes,status,priority_class,queue_delay_s,submit_timestamp,model,source';
const row = (id: string, submit: string, duration: string, gpus = '1', extra: Partial<Record<'cpus' | 'mem' | 'frac' | 'status' | 'tenant', string>> = {}): string =>
  `${id},${extra.tenant ?? 'vc1'},,${submit},${duration},${gpus},${extra.cpus ?? ''},${extra.mem ?? ''},${extra.frac ?? '1'},,,${extra.status ?? 'UNKNOWN'},,,,,test`;

function write(name: string, lines: string[], gz = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-trace-'));
  const path = join(dir, name);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, gz ? gzipSync(text) : text);
  return path;
}

test('reads plain and gzipped traces into jobs with ms times and optional fields', async () => {
  const lines = [HEADER, row('a1', '0', '60'), row('a2', '5', '1.5', '0', { cpus: '2.5', mem: '8', frac: '', status: 'COMPLETED' }), row('a3', '5', '10', '1', { frac: '0.5' })];
  for (const gz of [false, true]) {
    const { jobs, malformed } = await readTraceAll(write(gz ? 't.csv.gz' : 't.csv', lines, gz));
    assert.equal(malformed.count, 0);
    assert.deepEqual(jobs.map((j) => [j.jobId, j.submitMs, j.durationMs, j.gpus, j.gpuFraction, j.line]), [
      ['a1', 0, 60_000, 1, 1, 2], ['a2', 5000, 1500, 0, 1, 3], ['a3', 5000, 10_000, 1, 0.5, 4],
    ]);
    assert.equal(jobs[1]?.cpus, 2.5);
    assert.equal(jobs[1]?.memGiB, 8);
    assert.equal(jobs[1]?.status, 'COMPLETED');
  }
});

test('malformed rows are counted and reported with file and line, or fail the run by flag', async () => {
  const path = write('bad.csv', [
    HEADER,
    row('ok1', '10', '60'),
    row('neg', '11', '-5'), // line 3: negative duration
    row('unit', '12', '10m'), // line 4: unknown unit
    row('', '13', '10'), // line 5: missing job id
    row('early', '2', '10'), // line 6: out of time order
    row('st', '14', '10', '1', { status: 'EXPLODED' }), // line 7: unknown status
    row('frac', '15', '10', '1', { frac: '1.5' }), // line 8: fraction out of range
    row('ok1', '16', '10'), // line 9: duplicate id
    row('ok2', '20', '60'),
  ]);
  const { jobs, malformed } = await readTraceAll(path);
  assert.deepEqual(jobs.map((j) => j.jobId), ['ok1', 'ok2']);
  assert.equal(malformed.count, 7);
  assert.deepEqual(malformed.messages.map((m) => m.split(':').slice(0, 2).join(':')), ['bad.csv:3', 'bad.csv:4', 'bad.csv:5', 'bad.csv:6', 'bad.csv:7', 'bad.csv:8', 'bad.csv:9']);
  assert.match(malformed.messages[0] ?? '', /negative/);
  assert.match(malformed.messages[1] ?? '', /unknown unit/);
  await assert.rejects(readTraceAll(path, { onMalformed: 'fail' }), (err: unknown) => {
    assert.ok(err instanceof TraceFormatError);
    assert.equal(err.code, 'trace_format');
    assert.equal(err.context.line, 3);
    assert.match(err.message, /bad\.csv:3/);
    return true;
  });
});

test('a header without the required columns fails whatever the flag', async () => {
  const path = write('hdr.csv', ['job_id,tenant,duration_s', 'a,b,1']);
  await assert.rejects(readTraceAll(path), /header lacks column\(s\) submit_time_s, num_gpus/);
});
