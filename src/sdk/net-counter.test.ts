import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { installNetCounter, socketBytes } from './net-counter.ts';
import { ProgressReporter } from './progress.ts';

test('socketBytes counts what the process sends and receives on the client sockets it opens, also after they close', async () => {
  installNetCounter();
  // An echo server in this process: its accepted sockets are server-side and not counted, only our client is.
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const before = socketBytes();
  const client = connect(port, '127.0.0.1');
  const payload = Buffer.alloc(50_000, 7);
  let echoed = 0;
  await new Promise<void>((resolve) => {
    client.on('data', (d: Buffer) => { echoed += d.length; if (echoed === payload.length) resolve(); });
    client.write(payload);
  });
  // 50,000 bytes out and the same back.
  assert.equal(socketBytes() - before, 100_000);
  await new Promise<void>((r) => { client.once('close', () => r()); client.end(); });
  assert.equal(socketBytes() - before, 100_000, 'a closed socket keeps counting in the total');
  await new Promise<void>((r) => server.close(() => r()));
});

test('progress lines carry netBytes when the reporter has a counter', () => {
  const lines: string[] = [];
  let n = 10;
  const r = new ProgressReporter('j1', (l) => lines.push(l), () => 5).withNetBytes(() => (n += 100));
  r.emit('eval', { step: 1, epoch: 0, testLoss: 1, testAccuracy: 0.5, testItems: 10 });
  assert.equal(JSON.parse(lines[0]!).netBytes, 110);
});
