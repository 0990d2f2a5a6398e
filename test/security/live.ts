// Real processes for the security suite: `fairway` CLI and agent processes, and a loopback TCP relay that records the
// bytes a client sends (to show that no token crosses the wire in clear).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../../src/paths.ts';

export const FAIRWAY_BIN = join(repoRoot, 'bin/fairway.js');

export interface Ran { code: number | null; stdout: string; stderr: string }

/** Runs `fairway ARGS` to completion (a guard timeout kills it). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FAIRWAY_BIN, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(guard); resolve({ code, stdout, stderr }); });
  });
}

export interface AgentProcess { readonly child: ChildProcess; log(): string; exited: Promise<number | null> }

export function startAgent(args: readonly string[]): AgentProcess {
  const child = spawn(process.execPath, [FAIRWAY_BIN, 'agent', ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
export async function stopAgent(a: AgentProcess, graceMs = 15_000): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return;
  const t = setTimeout(() => a.child.kill('SIGKILL'), graceMs);
  a.child.kill('SIGTERM');
  await a.exited;
  clearTimeout(t);
}

/** A TCP relay 127.0.0.1:port → target, keeping every byte clients sent. */
export class RecordingRelay {
  private readonly sent: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.on('data', (d: Buffer) => this.sent.push(d));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  }

  static async start(targetPort: number): Promise<RecordingRelay> {
    const relay = new RecordingRelay(targetPort);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.port = (relay.server.address() as AddressInfo).port;
    return relay;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.sent);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, detail = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
