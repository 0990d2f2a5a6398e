// A small HTTP client for the coordinator API, shared by the CLI commands. Errors from the server keep their
// stable code and details; a server that cannot be reached is a typed error too.
import type { Command } from 'commander';
import { FairwayError, InvalidInputError } from '../core/util/errors.ts';
import { InsecureUrlError, loadCa, makeFetch, UntrustedCertificateError, type FetchLike } from '../wire/http-transport.ts';

export class ApiError extends FairwayError {
  constructor(readonly status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { status, ...details });
  }
}

export interface ClientOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
  /** CA file for an https:// coordinator (else env FAIRWAY_CA). */
  readonly ca?: string;
}

/** Adds --url, --token and --json to a command. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'coordinator URL (env FAIRWAY_URL)', undefined)
    .option('--token <token>', 'API token: admin or tenant (env FAIRWAY_TOKEN)', undefined)
    .option('--ca <file>', 'CA certificate (PEM) to trust for an https:// coordinator (env FAIRWAY_CA); with it, http:// is refused')
    .option('--json', 'print JSON for scripts instead of a table');
}

export class ApiClient {
  readonly url: string;
  private readonly token: string;
  private readonly fetch: FetchLike;

  constructor(o: ClientOptions) {
    this.url = (o.url ?? process.env.FAIRWAY_URL ?? 'http://127.0.0.1:7300').replace(/\/+$/, '');
    const token = o.token ?? process.env.FAIRWAY_TOKEN;
    if (!token) throw new InvalidInputError('no API token: pass --token or set FAIRWAY_TOKEN', { field: 'token' });
    this.token = token;
    this.fetch = makeFetch({ ca: loadCa(o.ca) });
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let r: Response;
    try {
      r = await this.fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      if (err instanceof UntrustedCertificateError || err instanceof InsecureUrlError) throw err;
      throw new FairwayError('unreachable', `cannot reach the coordinator at ${this.url}: ${(err as Error).message}`, { url: this.url }, { cause: err });
    }
    const text = await r.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (err) {
      throw new ApiError(r.status, 'bad_response', `the coordinator answered ${r.status} with a body that is not JSON`, { cause: String(err) });
    }
    if (!r.ok) {
      const e = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
      throw new ApiError(r.status, e.code ?? `http_${r.status}`, e.message ?? `HTTP ${r.status}`, e.details ?? {});
    }
    return parsed as T;
  }

  /** Follows the server-sent event stream, calling `onEvent` for each event until the signal aborts. */
  async stream(path: string, onEvent: (type: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    const r = await this.fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
    if (!r.ok || !r.body) throw new ApiError(r.status, `http_${r.status}`, `cannot follow ${path}: HTTP ${r.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let type = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trim());
        }
        if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')));
      }
    }
  }
}

/** Prints rows as an aligned table (header first). */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  for (const r of cells) console.log(r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ').trimEnd());
}

export function fmtCpu(milli: number): string {
  return String(milli / 1000);
}
