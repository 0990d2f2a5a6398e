// The grid facade: validates ids and keys at the edge, hands out per-tenant namespaces (a namespace can only name its
// own tenant's keys, so isolation does not depend on callers building key strings correctly), and encrypts values
// of tenants that have a key (AES-256-GCM, ./encryption.ts) before they reach any adapter.
import { z } from 'zod';
import { InvalidInputError } from '../core/util/errors.ts';
import { validateId } from '../core/domain/tenant.ts';
import { GridValueTooLargeError } from './errors.ts';
import { TenantCipher } from './encryption.ts';
import { SHARED_NAMESPACE, type GridNamespace, type GridReader, type GridStore, type SetOptions, type SetResult, type TenantGridStats } from './port.ts';

/** Keys are 1-512 printable ASCII characters without spaces; `/` separates levels by convention. */
const KEY_PATTERN = /^[\x21-\x7e]{1,512}$/;

export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new InvalidInputError(`grid key must be 1-512 printable ASCII characters without spaces; got ${JSON.stringify(key)}`, { field: 'key', value: key });
  }
  return key;
}

function validateNamespace(tenantId: string): string {
  return tenantId === SHARED_NAMESPACE ? tenantId : validateId(tenantId, 'tenantId');
}

export const TenantGridConfigSchema = z.object({
  quotaBytes: z.number().int().nonnegative().optional(),
  /** 32-byte AES-256 key; when set, every value of this tenant is encrypted with AES-256-GCM. */
  encryptionKey: z.instanceof(Uint8Array).refine((k) => k.length === 32, 'encryptionKey must be 32 bytes').optional(),
});
export type TenantGridConfig = z.infer<typeof TenantGridConfigSchema>;

export class Grid {
  readonly #ciphers = new Map<string, TenantCipher>();

  constructor(readonly store: GridStore) {}

  get kind(): GridStore['kind'] {
    return this.store.kind;
  }

  /** Sets a tenant's quota and/or encryption key. The key lives in this process only; it is never sent to the store. */
  async configureTenant(tenantId: string, config: TenantGridConfig): Promise<void> {
    validateNamespace(tenantId);
    const parsed = TenantGridConfigSchema.safeParse(config);
    if (!parsed.success) throw new InvalidInputError(`invalid grid config for tenant '${tenantId}': ${parsed.error.message}`, { tenantId });
    if (parsed.data.quotaBytes !== undefined) await this.store.setQuota(tenantId, parsed.data.quotaBytes);
    if (parsed.data.encryptionKey) this.#ciphers.set(tenantId, new TenantCipher(tenantId, parsed.data.encryptionKey));
  }

  /** Full access to one tenant's partition. */
  namespace(tenantId: string): GridNamespace {
    validateNamespace(tenantId);
    return new TenantNamespace(this.store, tenantId, () => this.#ciphers.get(tenantId));
  }

  /** Read-only access to the shared datasets, for any tenant's job. */
  sharedReader(): GridReader {
    const ns = this.namespace(SHARED_NAMESPACE);
    return { namespace: ns.namespace, get: (k) => ns.get(k), has: (k) => ns.has(k), list: (p) => ns.list(p) };
  }

  /** Write access to the shared datasets: for the coordinator/agent that loads them, never handed to jobs. */
  sharedWriter(): GridNamespace {
    return this.namespace(SHARED_NAMESPACE);
  }

  async stats(tenantId: string): Promise<TenantGridStats> {
    return this.store.stats(validateNamespace(tenantId));
  }

  /** Stats of every tenant the store knows, sorted by tenant id: what the scheduler and profiler read. */
  async allStats(): Promise<TenantGridStats[]> {
    const ids = (await this.store.tenants()).sort();
    return Promise.all(ids.map((id) => this.store.stats(id)));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

class TenantNamespace implements GridNamespace {
  constructor(
    private readonly store: GridStore,
    readonly namespace: string,
    private readonly cipher: () => TenantCipher | undefined,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    validateKey(key);
    const stored = await this.store.get(this.namespace, key);
    const c = this.cipher();
    return stored && c ? c.decrypt(key, stored) : stored;
  }

  has(key: string): Promise<boolean> {
    return this.store.has(this.namespace, validateKey(key));
  }

  list(prefix = ''): Promise<string[]> {
    if (prefix !== '') validateKey(prefix);
    return this.store.list(this.namespace, prefix);
  }

  async set(key: string, value: Uint8Array, options?: SetOptions): Promise<SetResult> {
    validateKey(key);
    if (!(value instanceof Uint8Array)) throw new InvalidInputError(`grid value for '${key}' must be a Uint8Array/Buffer`, { key });
    const c = this.cipher();
    const stored = c ? c.encrypt(key, value) : value;
    if (stored.length > this.store.maxValueBytes) throw new GridValueTooLargeError(this.namespace, key, stored.length, this.store.maxValueBytes);
    return this.store.set(this.namespace, key, stored, options);
  }

  delete(key: string): Promise<boolean> {
    return this.store.delete(this.namespace, validateKey(key));
  }

  setPinned(key: string, pinned: boolean): Promise<boolean> {
    return this.store.setPinned(this.namespace, validateKey(key), pinned);
  }

  stats(): Promise<TenantGridStats> {
    return this.store.stats(this.namespace);
  }
}
