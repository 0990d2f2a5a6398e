// fast-check arbitraries for hostile HTTP requests against one OpenAPI operation: its path with random, traversal and
// other tenants' ids in the parameters; random query strings; valid, rotated, other-tenant, forged and garbage tokens;
// random and mutated JSON bodies, broken JSON, deep nesting and odd content types. Shared by the in-process and the
// real-process fuzz runs, which send the requests in their own way.
import fc from 'fast-check';

export interface Operation {
  readonly method: string;
  /** OpenAPI path template, e.g. /v1/jobs/{id}/logs. */
  readonly path: string;
  readonly hasBody: boolean;
}

export interface Credential {
  readonly label: string;
  /** The Authorization header from the current tokens (a rotation in the middle of a run moves them), or undefined. */
  readonly header: (c: FuzzContext) => string | undefined;
  /** Whether the server should accept it as some principal. */
  readonly valid: boolean;
  /** The tenant it speaks for, if any. */
  readonly tenant?: 'a' | 'b';
}

export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  /** Headers other than Authorization. */
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly credential: Credential;
  /** Path parameter values as sent (decoded form), to check isolation. */
  readonly params: readonly string[];
}

/** The headers to send now, with the credential's current Authorization. */
export function headersOf(r: FuzzRequest, c: FuzzContext): Record<string, string> {
  const auth = r.credential.header(c);
  return auth === undefined ? { ...r.headers } : { ...r.headers, authorization: auth };
}

/** The secrets and ids the fuzzer aims at; tokens are updated when a fuzzed request rotates one. */
export interface FuzzContext {
  readonly admin: string;
  readonly join: string;
  readonly tokens: Record<'a' | 'b', string>;
  rotatedA: string;
  readonly jobs: Readonly<Record<'a' | 'b', string>>;
}

/** Operations listed in an OpenAPI document, so a new endpoint is fuzzed without touching the tests. */
export function operationsOf(doc: { paths: Record<string, Record<string, { requestBody?: unknown }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([m, op]) => ({ method: m.toUpperCase(), path, hasBody: op.requestBody !== undefined })));
}

const FORGED = `fwt_${'A'.repeat(43)}`;

export const CREDENTIALS: readonly Credential[] = [
  { label: 'none', header: () => undefined, valid: false },
  { label: 'admin', header: (c) => `Bearer ${c.admin}`, valid: true },
  { label: 'tenant a', header: (c) => `Bearer ${c.tokens.a}`, valid: true, tenant: 'a' },
  { label: 'tenant b', header: (c) => `Bearer ${c.tokens.b}`, valid: true, tenant: 'b' },
  { label: 'agent', header: (c) => `Bearer ${c.join}`, valid: true },
  { label: 'rotated a', header: (c) => `Bearer ${c.rotatedA}`, valid: false },
  { label: 'forged', header: () => `Bearer ${FORGED}`, valid: false },
  { label: 'token + 1 char', header: (c) => `Bearer ${c.tokens.a}x`, valid: false },
  { label: 'token prefix', header: (c) => `Bearer ${c.tokens.a.slice(0, -1)}`, valid: false },
  { label: 'admin prefix', header: (c) => `Bearer ${c.admin.slice(0, 8)}`, valid: false },
  { label: 'basic', header: (c) => `Basic ${Buffer.from(`admin:${c.admin}`).toString('base64')}`, valid: false },
  { label: 'no scheme', header: (c) => c.admin, valid: false },
  { label: 'two tokens', header: (c) => `Bearer ${c.tokens.b} ${c.admin}`, valid: false },
  { label: 'empty bearer', header: () => 'Bearer ', valid: false },
  { label: 'huge', header: () => `Bearer ${'x'.repeat(8000)}`, valid: false },
  { label: 'sql-ish', header: () => "Bearer ' OR 1=1 --", valid: false },
];

const TRAVERSAL = [
  '..', '.', '../a', '..%2Fa', '%2e%2e', '%2e%2e%2fetc%2fpasswd', '..%5c..%5cwindows', 'a%00b', '%00', '%ff%fe', 'a%2Fb',
  '%25', 'a%20b', `${'a'.repeat(64)}`, `${'x'.repeat(5000)}`, '__proto__', 'constructor', 'prototype', '%7B%7D', 'NaN', '-1',
  '1e309', '%E2%80%AE', '%F0%9F%92%A5',
];

function segment(c: FuzzContext): fc.Arbitrary<{ raw: string; decoded: string }> {
  const enc = (s: string): { raw: string; decoded: string } => ({ raw: encodeURIComponent(s), decoded: s });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'n1', c.jobs.a, c.jobs.b, 'nope', 'j-999999').map(enc) },
    { weight: 2, arbitrary: fc.constantFrom(...TRAVERSAL).map((raw) => ({ raw, decoded: safeDecode(raw) })) },
    { weight: 2, arbitrary: fc.string({ maxLength: 80 }).map(enc) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(enc) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,70}$/).map(enc) },
  );
}

function insideBraces(s: string, at: number): boolean {
  return s.lastIndexOf('{', at) > s.lastIndexOf('}', at);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // Not valid percent-encoding: the server sees the raw form (or rejects it).
    return s;
  }
}

const QUERY_KEYS = ['limit', 'cursor', 'after', 'since', 'state', 'tenant', '__proto__', 'constructor', 'toString', 'x'];

function query(): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('-1', '0', '1e9', 'NaN', 'Infinity', '999999999999999999999', 'running', 'a', 'b', '1.5', ''),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 5, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), value), { maxLength: 5 })
      .map((kv) => { const q = kv.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'); return q ? `?${q}` : ''; }) },
    { weight: 1, arbitrary: fc.constantFrom('?limit=1&limit=2', '?a[b]=1', '?limit[]=5', '?%zz=1', '?=', '?&&&', `?limit=${'9'.repeat(400)}`, '?__proto__[x]=1', '?cursor=-1') },
  );
}

const SAMPLES: Readonly<Record<string, unknown>> = {
  'POST /v1/tenants': { id: 'fuzz-t', weight: 2, tier: 'gold', quota: { cpu: 2, memoryMiB: 1024 } },
  'PATCH /v1/tenants/{id}': { weight: 3, cap: { cpu: 4 } },
  'POST /v1/jobs': { name: 'fuzz', request: { cpu: 1, memoryMiB: 128 }, command: ['node', 'x.js'], env: { A: '1' }, dataset: 'fashion-mnist-train@v1' },
  'POST /v1/nodes': { id: 'fuzz-n', capacity: { cpu: 2, memoryMiB: 2048 }, labels: { zone: 'z' } },
  'POST /v1/nodes/{id}/heartbeat': { reports: [], telemetry: [{ cpu: 0.5, memoryMiB: 10 }], logs: [{ jobId: 'x', line: 'hi' }], waitMs: 0 },
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces, removes or adds one value at a random depth of `base`. */
function mutate(base: Json, pick: number, value: Json, op: 'replace' | 'delete' | 'add', key: string): Json {
  const clone = JSON.parse(JSON.stringify(base)) as Json;
  const containers: (Json[] | { [k: string]: Json })[] = [];
  const walk = (v: Json): void => {
    if (v !== null && typeof v === 'object') {
      containers.push(v);
      for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
    }
  };
  walk(clone);
  if (containers.length === 0) return value;
  const target = containers[pick % containers.length]!;
  const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
  const k = op === 'add' || keys.length === 0 ? key : keys[pick % keys.length]!;
  if (Array.isArray(target)) {
    if (op === 'delete') target.splice(pick % Math.max(1, target.length), 1);
    else target[op === 'add' ? target.length : Number(k) || 0] = value;
  } else if (op === 'delete') delete target[k];
  else target[k] = value;
  return clone;
}

function body(op: Operation): fc.Arbitrary<string | undefined> {
  const sample = SAMPLES[`${op.method} ${op.path}`] as Json | undefined;
  const nested = fc.integer({ min: 1, max: 100_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
  const nestedObj = fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
  const arbitraries: fc.Arbitrary<string | undefined>[] = [
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('{', '{"a":', '[', 'null', '""', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}',
      '{"a":1e400}', '\u0000', '{"id":"a","id":"b"}', '{"name":"\ud800"}', 'name: x\nrequest: {cpu: 1}'),
    nested, nestedObj,
  ];
  if (sample !== undefined) {
    arbitraries.push(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, fc.constantFrom('replace', 'delete', 'add') as fc.Arbitrary<'replace' | 'delete' | 'add'>, fc.string({ maxLength: 12 }))
      .map(([pick, value, o, key]) => JSON.stringify(mutate(sample, pick, value, o, key))));
    arbitraries.push(fc.constant(JSON.stringify(sample)));
  }
  return fc.oneof(...arbitraries);
}

const CONTENT_TYPES = ['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/yaml',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', ''];

/** Requests aimed at one operation. `streaming` operations (SSE) never get a valid credential: they would not end. */
export function requestsFor(op: Operation, c: FuzzContext, opts: { streaming?: boolean } = {}): fc.Arbitrary<FuzzRequest> {
  const creds = CREDENTIALS.filter((k) => !opts.streaming || !k.valid);
  const nParams = (op.path.match(/\{[^}]+\}/g) ?? []).length;
  return fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST', 'GET') }),
    params: fc.array(segment(c), { minLength: nParams, maxLength: nParams }),
    query: query(),
    // Half valid, half not: valid ones reach the handlers (and their isolation checks), the rest the authenticator.
    credential: opts.streaming ? fc.constantFrom(...creds) : fc.oneof(fc.constantFrom(...creds.filter((k) => k.valid)), fc.constantFrom(...creds.filter((k) => !k.valid))),
    // Percent-encode one letter of the fixed part of the path: the router decodes it, a check on the raw URL would not.
    escapeAt: fc.option(fc.nat(), { freq: 4, nil: undefined }),
    body: op.hasBody ? body(op) : fc.oneof(fc.constant(undefined), body(op)),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('k'.repeat(300))), { nil: undefined }),
  }).map((r) => {
    let i = 0;
    let template = op.path;
    if (r.escapeAt !== undefined) {
      const letters = [...template].map((ch, k) => (/[a-z0-9]/i.test(ch) && !insideBraces(template, k) ? k : -1)).filter((k) => k >= 0);
      const at = letters[r.escapeAt % letters.length]!;
      template = `${template.slice(0, at)}%${template.charCodeAt(at).toString(16).padStart(2, '0')}${template.slice(at + 1)}`;
    }
    const path = template.replace(/\{[^}]+\}/g, () => r.params[i++]!.raw);
    // A long-poll would only make the run slow; every other heartbeat field stays hostile.
    let payload = r.body;
    if (payload !== undefined && op.path.endsWith('/heartbeat')) payload = payload.replace(/"waitMs":\s*[0-9.eE+-]+/g, '"waitMs":0');
    const method = opts.streaming && r.method === 'GET' ? 'GET' : r.method;
    const headers: Record<string, string> = {};
    if (payload !== undefined && r.contentType !== '') headers['content-type'] = r.contentType;
    if (r.idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(r.idempotencyKey)) headers['idempotency-key'] = r.idempotencyKey;
    // GET/HEAD/OPTIONS with a body is legal HTTP but not what clients send; keep it for the other methods.
    const sendBody = method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? undefined : payload;
    if (sendBody === undefined) delete headers['content-type'];
    const url = `${path}${r.query}`;
    // A '..' parameter can lead to the live event stream (`/v1/jobs/../events`), which with a valid token never ends.
    const routed = safeDecode(new URL(url, 'http://x').pathname);
    const credential = r.credential.valid && routed === '/v1/events' ? CREDENTIALS[0]! : r.credential;
    return { method, url, headers, body: sendBody, credential, params: r.params.map((p) => p.decoded) };
  });
}
