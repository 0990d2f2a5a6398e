import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue, PRIORITY } from './event-queue.ts';

test('events pop by time, then priority, then insertion order, and the clock follows', () => {
  const q = new EventQueue<string>();
  q.push(10, PRIORITY.timer, 'timer@10');
  q.push(10, PRIORITY.completion, 'finish@10');
  q.push(5, PRIORITY.measure, 'measure@5');
  q.push(10, PRIORITY.timer, 'timer@10 second');
  q.push(10, PRIORITY.arrival, 'arrive@10');
  const order: string[] = [];
  const times: number[] = [];
  for (let e = q.pop(); e; e = q.pop()) {
    order.push(e.payload);
    times.push(q.nowMs());
  }
  assert.deepEqual(order, ['measure@5', 'finish@10', 'arrive@10', 'timer@10', 'timer@10 second']);
  assert.deepEqual(times, [5, 10, 10, 10, 10]);
  assert.equal(q.processed, 5);
});

test('scheduling into the past is refused', () => {
  const q = new EventQueue<number>();
  q.push(100, 0, 1);
  q.pop();
  assert.throws(() => q.push(99, 0, 2), /in the past/);
  assert.throws(() => q.push(Number.NaN, 0, 2), /non-finite/);
});
