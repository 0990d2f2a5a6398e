// The OpenAPI 3.1 document, generated from the same zod schemas the server validates with (src/wire).
import { z } from 'zod';
import * as W from '../wire/schemas.ts';

interface Route { method: string; path: string; summary: string; auth: string; body?: z.ZodType; response?: z.ZodType; status?: number }

export const ROUTES: readonly Route[] = [
  { method: 'post', path: '/v1/tenants', summary: 'Create a tenant; its API token is returned once', auth: 'admin', body: W.TenantCreate, response: W.TenantWithToken, status: 201 },
  { method: 'get', path: '/v1/tenants', summary: 'List tenants (a tenant sees itself)', auth: 'admin|tenant', response: z.object({ tenants: z.array(W.TenantView) }) },
  { method: 'get', path: '/v1/tenants/{id}', summary: 'One tenant', auth: 'admin|tenant', response: W.TenantView },
  { method: 'patch', path: '/v1/tenants/{id}', summary: 'Update weight, tier, quota or cap', auth: 'admin', body: W.TenantUpdate, response: W.TenantView },
  { method: 'post', path: '/v1/tenants/{id}/token', summary: 'Rotate the tenant token (the old one stops working)', auth: 'admin|tenant', response: W.TenantWithToken },
  { method: 'post', path: '/v1/jobs', summary: 'Submit a job (header Idempotency-Key makes a retry safe)', auth: 'tenant|admin', body: W.JobSubmission, response: W.JobView, status: 201 },
  { method: 'get', path: '/v1/jobs', summary: 'List jobs, newest first (filters state, tenant; limit, cursor)', auth: 'tenant|admin', response: W.JobList },
  { method: 'get', path: '/v1/jobs/{id}', summary: 'One job, with the "why waiting" view when pending', auth: 'tenant|admin', response: W.JobView },
  { method: 'post', path: '/v1/jobs/{id}/cancel', summary: 'Cancel a job', auth: 'tenant|admin', response: W.JobView },
  { method: 'delete', path: '/v1/jobs/{id}', summary: 'Cancel a job (same as POST …/cancel)', auth: 'tenant|admin', response: W.JobView },
  { method: 'post', path: '/v1/jobs/{id}/migrate', summary: 'Move a running job to other nodes (one per task): checkpoint, stop, resume there; 409 with the reason when it cannot', auth: 'admin', body: W.MigrateRequest, response: W.JobView },
  { method: 'get', path: '/v1/jobs/{id}/logs', summary: 'Log lines (after, limit)', auth: 'tenant|admin', response: W.LogList },
  { method: 'get', path: '/v1/jobs/{id}/events', summary: 'The job\'s state changes', auth: 'tenant|admin', response: W.JobEventList },
  { method: 'post', path: '/v1/nodes', summary: 'Agent registers its node (join token)', auth: 'agent', body: W.NodeRegister, response: W.NodeView, status: 201 },
  { method: 'post', path: '/v1/nodes/{id}/heartbeat', summary: 'Agent heartbeat: reports, telemetry, logs; returns queued commands (long-poll with waitMs)', auth: 'agent', body: W.Heartbeat, response: W.HeartbeatReply },
  { method: 'get', path: '/v1/nodes', summary: 'List nodes', auth: 'any', response: z.object({ nodes: z.array(W.NodeView) }) },
  { method: 'post', path: '/v1/nodes/{id}/drain', summary: 'Stop placing work on a node', auth: 'admin', response: W.NodeView },
  { method: 'post', path: '/v1/nodes/{id}/undrain', summary: 'Place work on a node again', auth: 'admin', response: W.NodeView },
  { method: 'get', path: '/v1/fairness', summary: "Fairness now: Jain's index raw and normalised, utilisation; per tenant share vs fair share, ρ, grid usage (a tenant token sees only its own row)", auth: 'any', response: W.FairnessView },
  { method: 'get', path: '/v1/fairness/history', summary: 'Fairness over time (since, limit)', auth: 'any', response: W.FairnessHistory },
  { method: 'get', path: '/v1/cluster', summary: "Utilisation, queue length, job counts, last cycle, per-node load forecasts with band, the balancer's migrations (a tenant sees its own jobs')", auth: 'any', response: W.ClusterView },
  { method: 'get', path: '/v1/events', summary: 'Server-sent events: job, node and migration changes; with logs=1 also new log lines per job (a tenant sees its own jobs)', auth: 'any' },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: 'admin' },
];

function schema(s: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      description: `Auth: Bearer token (${r.auth}).`,
      security: [{ bearer: [] }],
      responses: {
        [String(r.status ?? 200)]: { description: 'OK', ...(r.response ? { content: { 'application/json': { schema: schema(r.response, 'output') } } } : {}) },
        '4XX': { description: 'Client error', content: { 'application/json': { schema: schema(W.ErrorBody, 'output') } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Fairway coordinator API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
