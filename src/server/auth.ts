// Tokens: an admin token, per-tenant API tokens (only their sha-256 is kept, so a leaked database leaks no token),
// and an agent join token. Comparisons are constant-time; tokens never reach the logs.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { FairwayError } from '../core/util/errors.ts';

export class UnauthorizedError extends FairwayError {
  constructor(message = 'missing or invalid bearer token') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends FairwayError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'agent' };

export function hashToken(token: string): string {
  // One-shot hash: no Hash object per call (this runs on every request).
  return hash('sha256', token, 'hex');
}

/** A fresh random token: 32 random bytes, base64url, with a prefix that says what it is for. */
export function newToken(prefix: 'fwt' | 'fwa' | 'fwj' = 'fwt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Constant-time equality of two hex digests (equal length by construction). */
export function sameDigest(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

const ADMIN: Principal = Object.freeze({ kind: 'admin' });
const AGENT: Principal = Object.freeze({ kind: 'agent' });

export class Authenticator {
  private readonly adminHash: Buffer;
  private readonly joinHash: Buffer;
  /** sha-256 of a tenant token → tenant id. Looking up by digest reveals nothing about the token's bytes. */
  private readonly tenantByHash = new Map<string, string>();

  constructor(adminToken: string, joinToken: string) {
    this.adminHash = hash('sha256', adminToken, 'buffer');
    this.joinHash = hash('sha256', joinToken, 'buffer');
  }

  setTenantToken(tenantId: string, tokenHash: string): void {
    for (const [h, id] of this.tenantByHash) if (id === tenantId) this.tenantByHash.delete(h);
    this.tenantByHash.set(tokenHash, tenantId);
  }

  /** Resolves the caller, or throws UnauthorizedError. */
  authenticate(authorization: string | undefined): Principal {
    const token = bearer(authorization);
    if (!token || token.length > 512) throw new UnauthorizedError();
    const h = hash('sha256', token, 'buffer');
    if (timingSafeEqual(h, this.adminHash)) return ADMIN;
    if (timingSafeEqual(h, this.joinHash)) return AGENT;
    const tenantId = this.tenantByHash.get(h.toString('hex'));
    if (tenantId !== undefined) return { kind: 'tenant', tenantId };
    throw new UnauthorizedError();
  }
}
