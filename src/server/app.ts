// The coordinator's HTTP API (Fastify 5). Routes validate with the zod schemas of src/wire, authenticate every
// /v1 call with a Bearer token, and leave errors to the one mapper in http-errors.ts.
import { hash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import * as W from '../wire/schemas.ts';
import { parseWire } from '../wire/parse.ts';
import { InvalidInputError } from '../core/util/errors.ts';
import { ForbiddenError, type Authenticator, type Principal } from './auth.ts';
import type { Coordinator } from './coordinator.ts';
import { errorHandler } from './http-errors.ts';
import { renderMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { jobView, nodeView, tenantView, visibleFairness, visibleMigrations } from './views.ts';
import { registerDashboard } from './dashboard.ts';

export interface AppOptions {
  readonly coordinator: Coordinator;
  readonly auth: Authenticator;
  /** Largest accepted request body (bytes); larger ones get 413. */
  readonly bodyLimit?: number;
  readonly logger?: boolean;
  /** Where log lines go (implies logging); default stdout. Tests capture it to check that no token is ever written. */
  readonly logStream?: NodeJS.WritableStream;
  readonly version?: string;
  readonly storeStats?: () => { commits: number; ops: number; writes?: number; commitMsTotal?: number };
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP when absent. */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Built dashboard to serve at `/` (web/dist); none when absent. */
  readonly dashboardDir?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const IdParam = W.Id;

function requireKind(p: Principal | null, ...kinds: Principal['kind'][]): Principal {
  if (!p || !kinds.includes(p.kind)) throw new ForbiddenError(`this call needs a token of kind: ${kinds.join(' or ')}`);
  return p;
}

function param(req: FastifyRequest, name: string): string {
  return parseWire(IdParam, (req.params as Record<string, unknown>)[name], name);
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const { coordinator: c, auth } = opts;
  const app = Fastify({
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key } } : {}),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Request logs would carry no token (Fastify does not log headers), but at thousands of requests/s they cost more than they tell.
    logger: opts.logger || opts.logStream ? { level: 'info', redact: ['req.headers.authorization'], ...(opts.logStream ? { stream: opts.logStream } : {}) } : false,
    logController: new LogController({ disableRequestLogging: true }),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  app.decorateRequest('principal', null);
  // The API speaks JSON only: other bodies get 415 instead of reaching a schema as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: {} });
  });

  const doc = openApiDocument(opts.version ?? '0');
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/openapi.json', async () => doc);
  if (opts.dashboardDir !== undefined) registerDashboard(app, opts.dashboardDir);

  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onRequest', (req, _reply, done) => {
    // Decide by the route that matched, not the raw URL: the router decodes percent-escapes (`/%761/nodes` reaches
    // `/v1/nodes`), so a prefix test on req.url could be walked around.
    const route = req.routeOptions.url;
    try {
      if (route !== undefined && (route.startsWith('/v1/') || route === '/metrics')) req.principal = auth.authenticate(req.headers.authorization);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  app.get('/metrics', async (req, reply) => {
    requireKind(req.principal, 'admin');
    return reply.type('text/plain; version=0.0.4').send(renderMetrics(c, opts.storeStats?.()));
  });

  // ---- tenants ----
  app.post('/v1/tenants', async (req, reply) => {
    requireKind(req.principal, 'admin');
    const input = parseWire(W.TenantCreate, req.body, 'tenant');
    const { tenant, token } = await c.createTenant(input);
    return reply.code(201).send({ tenant: tenantView(tenant), token });
  });
  app.get('/v1/tenants', async (req) => {
    const p = requireKind(req.principal, 'admin', 'tenant');
    const all = c.listTenants();
    return { tenants: (p.kind === 'tenant' ? all.filter((t) => t.tenant.id === p.tenantId) : all).map(tenantView) };
  });
  app.get('/v1/tenants/:id', async (req) => {
    const p = requireKind(req.principal, 'admin', 'tenant');
    const id = param(req, 'id');
    c.requireTenantAccess(p, id);
    return tenantView(c.getTenant(id));
  });
  app.patch('/v1/tenants/:id', async (req) => {
    requireKind(req.principal, 'admin');
    const id = param(req, 'id');
    return tenantView(await c.updateTenant(id, parseWire(W.TenantUpdate, req.body, 'tenant')));
  });
  app.post('/v1/tenants/:id/token', async (req) => {
    const p = requireKind(req.principal, 'admin', 'tenant');
    const id = param(req, 'id');
    c.requireTenantAccess(p, id);
    const { tenant, token } = await c.rotateToken(id);
    return { tenant: tenantView(tenant), token };
  });

  // ---- jobs ----
  app.post('/v1/jobs', async (req, reply) => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    const sub = parseWire(W.JobSubmission, req.body, 'job');
    let tenantId: string;
    if (p.kind === 'tenant') {
      if (sub.tenant !== undefined && sub.tenant !== p.tenantId) throw new ForbiddenError(`a tenant token cannot submit for tenant '${sub.tenant}'`);
      tenantId = p.tenantId;
    } else {
      if (sub.tenant === undefined) throw new InvalidInputError('job.tenant: required when submitting with the admin token', { field: 'job.tenant' });
      tenantId = sub.tenant;
    }
    const key = req.headers['idempotency-key'];
    let idem: { key: string; bodyHash: string } | undefined;
    if (key !== undefined) {
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
        throw new InvalidInputError('Idempotency-Key must be 1-200 printable ASCII characters', { field: 'Idempotency-Key' });
      }
      idem = { key, bodyHash: hash('sha256', JSON.stringify(req.body), 'hex') };
    }
    const job = await c.submit(tenantId, sub, idem);
    return reply.code(201).header('location', `/v1/jobs/${job.spec.id}`).send(jobView(job));
  });
  app.get('/v1/jobs', async (req) => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    const q = parseWire(W.JobListQuery, req.query, 'query');
    if (p.kind === 'tenant' && q.tenant !== undefined && q.tenant !== p.tenantId) throw new ForbiddenError(`not allowed to list tenant '${q.tenant}'`);
    const tenantId = p.kind === 'tenant' ? p.tenantId : q.tenant;
    const rows = c.listJobs({
      ...(tenantId !== undefined ? { tenantId } : {}), ...(q.state ? { state: q.state } : {}),
      ...(q.cursor ? { beforeSeq: Number(q.cursor) } : {}), limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return { jobs: page.map((j) => jobView(j)), nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.seq) : null };
  });
  app.get('/v1/jobs/:id', async (req) => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    const j = c.getJob(param(req, 'id'), p);
    return jobView(j, j.state === 'pending' ? c.explain(j.spec.id) : undefined);
  });
  const cancel = async (req: FastifyRequest): Promise<W.JobView> => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    return jobView(await c.cancel(param(req, 'id'), p));
  };
  app.post('/v1/jobs/:id/cancel', cancel);
  app.delete('/v1/jobs/:id', cancel);
  app.post('/v1/jobs/:id/migrate', async (req) => {
    // Operators only: moving a job is a cluster decision (tenants see the move in the job's events).
    const p = requireKind(req.principal, 'admin');
    const body = parseWire(W.MigrateRequest, req.body, 'migrate');
    return jobView(await c.requestMigration(param(req, 'id'), body.to, p));
  });
  app.get('/v1/jobs/:id/logs', async (req) => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    const j = c.getJob(param(req, 'id'), p);
    const q = parseWire(W.LogQuery, req.query, 'query');
    const lines = c.logs(j.spec.id, q.after, q.limit + 1);
    const page = lines.slice(0, q.limit);
    return {
      lines: page.map((l) => ({ seq: l.seq, at: new Date(l.atMs).toISOString(), stream: l.stream, line: l.line })),
      nextCursor: lines.length > q.limit ? String(page[page.length - 1]!.seq) : null,
    };
  });
  app.get('/v1/jobs/:id/events', async (req) => {
    const p = requireKind(req.principal, 'tenant', 'admin');
    const j = c.getJob(param(req, 'id'), p);
    return { events: c.jobEvents(j.spec.id).map((e) => ({ seq: e.seq, at: new Date(e.atMs).toISOString(), type: e.type, data: { ...e.data } })) };
  });

  // ---- nodes ----
  app.post('/v1/nodes', async (req, reply) => {
    requireKind(req.principal, 'agent', 'admin');
    const n = await c.registerNode(parseWire(W.NodeRegister, req.body, 'node'));
    return reply.code(201).send({ ...nodeView(n, c.listNodes().find((x) => x.stored.node.id === n.node.id)!.allocated), nodeTimeoutMs: c.nodeTimeoutMs });
  });
  app.post('/v1/nodes/:id/heartbeat', async (req) => {
    requireKind(req.principal, 'agent');
    const id = param(req, 'id');
    const hb = parseWire(W.Heartbeat, req.body ?? {}, 'heartbeat');
    return { commands: await c.heartbeat(id, hb), coordinator: c.instanceId, nodeTimeoutMs: c.nodeTimeoutMs };
  });
  app.get('/v1/nodes', async () => ({ nodes: c.listNodes().map((n) => nodeView(n.stored, n.allocated, n.used)) }));
  for (const [action, status] of [['drain', 'draining'], ['undrain', 'ready']] as const) {
    app.post(`/v1/nodes/:id/${action}`, async (req) => {
      requireKind(req.principal, 'admin');
      const n = await c.setNodeStatus(param(req, 'id'), status);
      return nodeView(n, c.listNodes().find((x) => x.stored.node.id === n.node.id)!.allocated);
    });
  }

  // ---- cluster ----
  app.get('/v1/fairness', async (req) => visibleFairness(c.fairness(), req.principal));
  app.get('/v1/fairness/history', async (req) => {
    const q = parseWire(W.HistoryQuery, req.query, 'query');
    return { points: c.fairnessHistory(q.since ?? 0, q.limit) };
  });
  app.get('/v1/cluster', async (req): Promise<W.ClusterView> => {
    const f = c.fairness();
    const cycle = c.lastCycle();
    const forecasts = c.forecasts();
    const m = c.migrationsView();
    let forecastNote: string | undefined;
    if (!c.nodeForecasts) forecastNote = 'this coordinator runs no load forecaster';
    else if (forecasts.length === 0) forecastNote = `no node has reported telemetry yet (one forecast step every ${c.nodeForecasts.stepMs / 1000} s)`;
    return {
      at: f.at, utilisation: f.utilisation, queueLength: c.queueLength(), jobs: c.countJobs(), nodes: c.listNodes().length,
      lastCycle: cycle ? { at: new Date(cycle.atMs).toISOString(), durationMs: cycle.durationMs, pending: cycle.pending, placed: cycle.placed } : null,
      forecasts, ...(forecastNote ? { forecastNote } : {}),
      migrations: { planned: visibleMigrations(m.planned, req.principal), recent: visibleMigrations(m.recent, req.principal), balancer: c.balancerEnabled() },
    };
  });

  // ---- live events (SSE) ----
  app.get('/v1/events', (req, reply) => {
    const p = requireKind(req.principal, 'admin', 'tenant', 'agent');
    // `?logs=1`: also each heartbeat's new log lines per job (`event: logs`), for watchers that follow progress.
    const withLogs = parseWire(W.EventsQuery, req.query, 'query').logs;
    // Logs are readable by the admin and the job's tenant only (as GET /v1/jobs/:id/logs).
    if (withLogs) requireKind(p, 'admin', 'tenant');
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    reply.raw.write(': connected\n\n');
    const listener = (e: W.StreamEvent): void => {
      if (p.kind === 'tenant' && e.tenant !== p.tenantId) return;
      reply.raw.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    c.bus.on('event', listener);
    if (withLogs) c.bus.on('logs', listener);
    const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
    const stop = (): void => { clearInterval(keepAlive); c.bus.off('event', listener); c.bus.off('logs', listener); };
    req.raw.on('close', stop);
    c.bus.once('close', () => { stop(); reply.raw.end(); });
  });

  app.addHook('onClose', async () => { c.bus.emit('close'); });
  return app;
}
