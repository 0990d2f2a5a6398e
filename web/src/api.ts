// The coordinator's HTTP API as the dashboard uses it: Bearer-authenticated GETs and the SSE event stream. The
// stream is read with fetch (not EventSource) because EventSource cannot send an Authorization header.
import type { StreamEvent } from '../../src/wire/schemas.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Role = { kind: 'admin' } | { kind: 'tenant'; tenantId: string };

export class Api {
  constructor(private readonly token: string, private readonly base = '') {}

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.base}${path}`, { headers: this.headers() });
    const text = await res.text();
    if (!res.ok) {
      let code = `http_${res.status}`;
      let message = text;
      try {
        const body = JSON.parse(text) as { code?: string; message?: string };
        code = body.code ?? code;
        message = body.message ?? message;
      } catch (_notJson) {
        // The body was not our JSON error shape (a proxy's page, say): keep the raw text as the message.
      }
      throw new ApiError(res.status, code, message);
    }
    return JSON.parse(text) as T;
  }

  /** Who this token is: the admin, or one tenant (whose own tenant is the only one it can list). */
  async role(): Promise<Role> {
    const res = await fetch(`${this.base}/metrics`, { headers: this.headers() });
    await res.body?.cancel();
    if (res.ok) return { kind: 'admin' };
    if (res.status === 401) throw new ApiError(401, 'unauthorized', 'this token is not accepted by the coordinator');
    const { tenants } = await this.get<{ tenants: { id: string }[] }>('/v1/tenants');
    const own = tenants[0];
    if (!own) throw new ApiError(403, 'forbidden', 'this token belongs to no tenant (an agent join token?)');
    return { kind: 'tenant', tenantId: own.id };
  }

  /**
   * Reads /v1/events until the stream ends or `signal` aborts; `onOpen` once it is up, each event to `onEvent`. With
   * `logs`, the stream also carries each heartbeat's new log lines of the jobs this token may see (`logs` events).
   */
  async stream(onEvent: (e: StreamEvent) => void, signal: AbortSignal, onOpen: () => void = () => undefined, logs = false): Promise<void> {
    const res = await fetch(`${this.base}/v1/events${logs ? '?logs=1' : ''}`, { headers: this.headers(), signal });
    if (!res.ok || !res.body) throw new ApiError(res.status, `http_${res.status}`, 'event stream refused');
    onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) onEvent(JSON.parse(data) as StreamEvent);
      }
    }
  }
}
