// Per-job network use, measured where Linux has no per-process counter without cgroups or eBPF: inside the job.
// Node publishes every TCP or Unix-socket client it creates on the 'net.client.socket' diagnostics channel; we keep
// those sockets and sum their own byte counters (bytesRead + bytesWritten, payload as Node sees it, no TCP/IP
// headers). That is the job's grid traffic (Redis) plus any other connection it opens itself, loopback included.
// Not counted: sockets created by native add-ons or child processes, and UDP. The SDK adds the running total to
// its progress lines (`netBytes`); the agent turns it into the job's netMbps telemetry.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

let installed = false;
const open = new Set<Socket>();
let closedBytes = 0;

function track(message: unknown): void {
  const socket = (message as { socket?: Socket }).socket;
  if (!socket) return;
  open.add(socket);
  socket.once('close', () => {
    closedBytes += socket.bytesRead + socket.bytesWritten;
    open.delete(socket);
  });
}

/** Starts counting (idempotent); sockets created before this call are not seen. */
export function installNetCounter(): void {
  if (installed) return;
  installed = true;
  subscribe('net.client.socket', track);
}

/** Bytes sent and received so far over the client sockets this process opened since installNetCounter(). */
export function socketBytes(): number {
  let total = closedBytes;
  for (const s of open) total += s.bytesRead + s.bytesWritten;
  return total;
}
