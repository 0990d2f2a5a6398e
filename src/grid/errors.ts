// Typed operational errors of the data grid (DESIGN.md §4). Each has a stable `code` the server maps to HTTP status.
import { FairwayError, type ErrorContext } from '../core/util/errors.ts';

/** A value larger than the grid's per-value limit (code `grid_value_too_large`). */
export class GridValueTooLargeError extends FairwayError {
  constructor(readonly tenantId: string, readonly key: string, readonly bytes: number, readonly limitBytes: number) {
    super('grid_value_too_large', `value for '${key}' of tenant '${tenantId}' is ${bytes} bytes, over the limit of ${limitBytes} bytes`, { tenantId, key, bytes, limitBytes });
  }
}

/**
 * A write that does not fit in the tenant's quota even after evicting every unpinned key of that tenant
 * (code `grid_quota_exceeded`). Nothing was written and nothing was evicted.
 */
export class GridQuotaExceededError extends FairwayError {
  constructor(readonly tenantId: string, readonly key: string, readonly bytes: number, readonly quotaBytes: number, readonly pinnedBytes: number) {
    super('grid_quota_exceeded', `tenant '${tenantId}' cannot store '${key}' (${bytes} bytes): quota ${quotaBytes} bytes, ${pinnedBytes} bytes pinned`, { tenantId, key, bytes, quotaBytes, pinnedBytes });
  }
}

/** An unknown dataset, dataset version, checkpoint or checkpoint version (code `grid_not_found`). */
export class GridNotFoundError extends FairwayError {
  constructor(readonly kind: 'dataset' | 'dataset version' | 'checkpoint' | 'checkpoint version' | 'key', readonly id: string, context: ErrorContext = {}) {
    super('grid_not_found', `unknown ${kind} '${id}'`, { kind, id, ...context });
  }
}

/** Bytes read back do not match the checksum recorded when they were written: corruption (code `grid_checksum_mismatch`). */
export class GridChecksumError extends FairwayError {
  constructor(readonly key: string, readonly expected: string, readonly actual: string, context: ErrorContext = {}) {
    super('grid_checksum_mismatch', `checksum mismatch reading '${key}': expected ${expected}, got ${actual} (the stored bytes are corrupt)`, { key, expected, actual, ...context });
  }
}

/** A value of an encrypted tenant that fails AES-GCM authentication: tampered, or the wrong key (code `grid_decrypt_failed`). */
export class GridDecryptError extends FairwayError {
  constructor(readonly tenantId: string, readonly key: string, options?: { cause?: unknown }) {
    super('grid_decrypt_failed', `cannot decrypt '${key}' of tenant '${tenantId}': authentication failed (tampered value or wrong key)`, { tenantId, key }, options);
  }
}

/** The grid's backing store is unreachable after bounded retries (code `grid_unavailable`). The operation did not take effect, or its effect is unknown for a write: callers must treat it as not saved. */
export class GridUnavailableError extends FairwayError {
  constructor(readonly operation: string, readonly attempts: number, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('grid_unavailable', `grid store unavailable: ${operation} failed after ${attempts} attempt(s)${why}`, { operation, attempts }, options);
  }
}

/** Stored bytes that are not what this version of the grid wrote (bad manifest, wrong layout) (code `grid_format`). */
export class GridFormatError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('grid_format', message, context, options);
  }
}

/** The store refused an operation (e.g. Redis out of memory under `maxmemory`) (code `grid_store_refused`). Nothing was written. */
export class GridStoreRefusedError extends FairwayError {
  constructor(readonly operation: string, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('grid_store_refused', `grid store refused ${operation}${why}`, { operation }, options);
  }
}

/**
 * A plain `redis://` or `redis-cluster://` URL names a server that speaks only TLS (code `grid_tls_required`): the
 * server drops a plain connection without a word, which would otherwise read as "unavailable". Nothing was sent.
 */
export class GridTlsRequiredError extends FairwayError {
  constructor(readonly url: string, readonly address: string, options?: { cause?: unknown }) {
    super('grid_tls_required', `the Redis server at ${address} (of ${url}) speaks only TLS: use rediss:// or rediss-cluster:// with the CA (--ca or FAIRWAY_CA)`, { url, address }, options);
  }
}
