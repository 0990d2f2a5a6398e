import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProgressLine } from './job-progress.ts';

test('parses a progress line, ignores ordinary output, reports malformed protocol lines', () => {
  const line = JSON.stringify({
    fw: 1, type: 'progress', jobId: 'j', atMs: 1, step: 3, epoch: 0, totalSteps: 10, loss: 1.5, accuracy: 0.25, samplesPerS: 100,
  });
  const parsed = parseProgressLine(line);
  assert.ok(parsed && 'event' in parsed);
  assert.equal(parsed.event.type, 'progress');
  assert.equal(parseProgressLine('hello world'), undefined);
  assert.equal(parseProgressLine('{"other":"json"}'), undefined);
  const bad = parseProgressLine('{"fw":1,"type":"progress","jobId":"j"}');
  assert.ok(bad && 'invalid' in bad);
  const notJson = parseProgressLine('{"fw":1, oops');
  assert.ok(notJson && 'invalid' in notJson);
});
