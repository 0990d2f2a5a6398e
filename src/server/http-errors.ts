// The one place where errors become HTTP answers: typed FairwayError codes → status, body `{code, message, details}`.
// Bad input is never a 500; only a genuine bug is, and then without internals in the body.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FairwayError } from '../core/util/errors.ts';
import type { ErrorBody } from '../wire/schemas.ts';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_input: 400,
  malformed_body: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  duplicate_submission: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  never_fits: 422,
  store_failed: 503,
  store_unavailable: 503,
};

export function statusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Fastify's own client errors (bad JSON, body too large, wrong content type) get our stable codes. */
function fastifyCode(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return 'body_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return 'unsupported_media_type';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return 'malformed_body';
    default: return 'malformed_body';
  }
}

export function toErrorReply(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof FairwayError) {
    return { status: statusFor(err.code), body: { code: err.code, message: err.message, details: { ...err.context } } };
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fastifyCode(fe as FastifyError);
    return { status: code === 'body_too_large' ? 413 : fe.statusCode, body: { code, message: fe.message ?? 'bad request', details: {} } };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error (see the server log)', details: {} } };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorReply(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  // Refused access and oversize bodies are worth an audit line: route and code only, never headers, query or body
  // (where a token could sit).
  else if (status === 401 || status === 403 || status === 413) {
    req.log.warn({ status, code: body.code, method: req.method, route: req.routeOptions.url ?? '(no route)' }, 'request rejected');
  }
  void reply.code(status).send(body);
}
