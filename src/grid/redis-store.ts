// The Redis adapter (standalone or Cluster, via ioredis). Every key of a tenant carries the hash tag `{<tenant>}`, so
// one tenant's partition lives in one Cluster slot: its quota check, LRU eviction and accounting run as one atomic
// Lua script (no cross-slot operation exists anywhere), while different tenants spread over the masters. The price:
// one tenant's data cannot exceed one master's memory; see docs/grid.md.
//
// Keys of tenant T:  fw:{T}:v:<key> value · fw:{T}:sz hash key→bytes · fw:{T}:lru zset of unpinned keys by last use
//                    fw:{T}:pin set of pinned keys · fw:{T}:meta hash q(uota) u(sed) p(inned) h(its) m(isses) e(victions) t(ick)
//                    fw:{T}:stage:<nonce> a value being written (TTL), renamed into place by the commit script
// Global:            fw:tenants set of tenant ids
//
// Redis itself must not evict (maxmemory-policy noeviction, the default): its global LRU would cross tenants.
import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { Redis, Cluster, type RedisOptions } from 'ioredis';
import { InvalidInputError } from '../core/util/errors.ts';
import { DEFAULT_MAX_VALUE_BYTES, DEFAULT_QUOTA_BYTES, type StoreLimits } from './embedded-store.ts';
import { certificateErrorCode, UntrustedCertificateError } from '../wire/http-transport.ts';
import { GridQuotaExceededError, GridStoreRefusedError, GridTlsRequiredError, GridUnavailableError } from './errors.ts';
import type { GridAdapterKind, GridStore, SetOptions, SetResult, TenantGridStats } from './port.ts';

export interface RedisStoreOptions extends StoreLimits {
  /** Attempts per operation (first try + retries) before GridUnavailableError; default 4. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 100 ms). */
  readonly retryBaseMs?: number;
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait for one command's reply (default 2000 ms). A server that stops answering without closing the
   * connection (a stopped or partitioned master) would otherwise leave the command, and the save waiting on it,
   * hanging for good; timed out, it counts as connection trouble and is retried, on the new master after a failover.
   */
  readonly commandTimeoutMs?: number;
  /**
   * How often a Cluster client re-reads the slot map unprompted (default 2000 ms): a failover's new master is learnt
   * even when no MOVED reply tells. 0: only when a MOVED reply or a failed command says so.
   */
  readonly slotsRefreshIntervalMs?: number;
  /** Longest pause between the client's reconnect attempts (default 1000 ms). */
  readonly reconnectMaxMs?: number;
  /**
   * Namespaces this connection only reads, without LRU/hit accounting (which writes). A job connected as its
   * tenant's Redis ACL user (./redis-acl.ts) may read, not write, the shared namespace: the SDK passes `_shared`.
   */
  readonly readOnlyNamespaces?: readonly string[];
  /**
   * PEM of the CA that signed the Redis servers' certificates, for `rediss://` and `rediss-cluster://` URLs (without
   * it the system's trust store is used). Given with a plain `redis://` URL it is an error: nothing goes in clear then.
   */
  readonly tlsCa?: string;
}

// A write is two commands sent in one auto-pipelined round trip: a plain SET of the value to a staging key (with a
// TTL, so a client that dies in between leaves nothing behind), then this script, which checks the quota, evicts
// the tenant's own LRU keys if needed and RENAMEs the staging key into place (O(1): the value is never copied
// through a Lua string). On QUOTA it deletes the staging key and changes nothing else.
// KEYS: meta sz lru pin staging · ARGV: valuePrefix key pin('1'|'0'|'') defaultQuota
const COMMIT_LUA = `
local meta, sz, lru, pin, staging = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local vp, key, pinArg, defQuota = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', staging) == 0 then return {'STAGING'} end
local size = redis.call('STRLEN', staging)
local quota = tonumber(redis.call('HGET', meta, 'q') or defQuota)
local used = tonumber(redis.call('HGET', meta, 'u') or '0')
local old = tonumber(redis.call('HGET', sz, key) or '-1')
local oldPinned = redis.call('SISMEMBER', pin, key) == 1
local pinNew = (pinArg == '1') or (pinArg == '' and oldPinned)
local oldBytes = 0
if old >= 0 then oldBytes = old end
local need = used - oldBytes + size - quota
local victims = {}
if need > 0 then
  local start = 0
  while need > 0 do
    local page = redis.call('ZRANGE', lru, start, start + 127)
    if #page == 0 then break end
    for _, k in ipairs(page) do
      if need <= 0 then break end
      if k ~= key then
        victims[#victims + 1] = k
        need = need - tonumber(redis.call('HGET', sz, k))
      end
    end
    start = start + 128
  end
  if need > 0 then
    redis.call('DEL', staging)
    local pinned = tonumber(redis.call('HGET', meta, 'p') or '0')
    if oldPinned then pinned = pinned - oldBytes end
    return {'QUOTA', tostring(quota), tostring(pinned)}
  end
end
for _, k in ipairs(victims) do
  local s = tonumber(redis.call('HGET', sz, k))
  redis.call('DEL', vp .. k)
  redis.call('HDEL', sz, k)
  redis.call('ZREM', lru, k)
  redis.call('HINCRBY', meta, 'u', -s)
  redis.call('HINCRBY', meta, 'e', 1)
end
if old >= 0 then
  redis.call('HINCRBY', meta, 'u', -old)
  if oldPinned then
    redis.call('HINCRBY', meta, 'p', -old)
    redis.call('SREM', pin, key)
  end
end
redis.call('RENAME', staging, vp .. key)
redis.call('PERSIST', vp .. key)
redis.call('HSET', sz, key, size)
redis.call('HINCRBY', meta, 'u', size)
if pinNew then
  redis.call('SADD', pin, key)
  redis.call('ZREM', lru, key)
  redis.call('HINCRBY', meta, 'p', size)
else
  redis.call('ZADD', lru, redis.call('HINCRBY', meta, 't', 1), key)
end
local out = {'OK'}
for _, k in ipairs(victims) do out[#out + 1] = k end
return out
`;

// Read accounting, sent in the same pipeline as a plain GET of the value: the value itself is served by GET (no
// copy through a Lua string), the script counts the hit or miss and refreshes the key's LRU position.
// KEYS: meta sz lru · ARGV: key
const TOUCH_LUA = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  redis.call('HINCRBY', KEYS[1], 'm', 1)
  return 0
end
redis.call('HINCRBY', KEYS[1], 'h', 1)
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[3], redis.call('HINCRBY', KEYS[1], 't', 1), ARGV[1])
end
return 1
`;

// KEYS: meta sz lru pin · ARGV: valuePrefix key
const DELETE_LUA = `
local s = redis.call('HGET', KEYS[2], ARGV[2])
if not s then return 0 end
redis.call('DEL', ARGV[1] .. ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'u', -tonumber(s))
if redis.call('SREM', KEYS[4], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[1], 'p', -tonumber(s)) end
return 1
`;

// KEYS: meta sz lru pin · ARGV: key pinned('1'|'0')
const PIN_LUA = `
local s = redis.call('HGET', KEYS[2], ARGV[1])
if not s then return 0 end
local isPinned = redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1
if ARGV[2] == '1' and not isPinned then
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'p', tonumber(s))
elseif ARGV[2] == '0' and isPinned then
  redis.call('SREM', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[3], redis.call('HINCRBY', KEYS[1], 't', 1), ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'p', -tonumber(s))
end
return 1
`;

type Client = Redis | Cluster;
interface GridCommands {
  fwCommit(meta: string, sz: string, lru: string, pin: string, staging: string, vp: string, key: string, pinArg: string, defQuota: string): Promise<string[]>;
  fwTouch(meta: string, sz: string, lru: string, key: string): Promise<number>;
  fwDelete(meta: string, sz: string, lru: string, pin: string, vp: string, key: string): Promise<number>;
  fwPin(meta: string, sz: string, lru: string, pin: string, key: string, pinned: string): Promise<number>;
}

const TENANTS_KEY = 'fw:tenants';
/** A staged value not committed within this time is dropped by Redis. */
const STAGING_TTL_MS = 10 * 60 * 1000;

function keysOf(tenantId: string) {
  const tag = `fw:{${tenantId}}:`;
  return { vp: `${tag}v:`, staging: `${tag}stage:`, meta: `${tag}meta`, sz: `${tag}sz`, lru: `${tag}lru`, pin: `${tag}pin` };
}

/** Reply errors that mean "try again" rather than "this command is wrong". */
function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|MOVED|ASK)/.test(err.message);
  return true;
}

export class RedisStore implements GridStore {
  readonly maxValueBytes: number;
  readonly #defaultQuota: string;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #knownTenants = new Set<string>();
  readonly #readOnly: ReadonlySet<string>;

  private constructor(readonly kind: GridAdapterKind, private readonly client: Client, options: RedisStoreOptions) {
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#defaultQuota = String(options.defaultQuotaBytes ?? DEFAULT_QUOTA_BYTES);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#retryBaseMs = options.retryBaseMs ?? 100;
    this.#readOnly = new Set(options.readOnlyNamespaces ?? []);
    client.defineCommand('fwCommit', { numberOfKeys: 5, lua: COMMIT_LUA });
    client.defineCommand('fwTouch', { numberOfKeys: 3, lua: TOUCH_LUA });
    client.defineCommand('fwDelete', { numberOfKeys: 4, lua: DELETE_LUA });
    client.defineCommand('fwPin', { numberOfKeys: 4, lua: PIN_LUA });
    // ioredis reports connection trouble as 'error' events; the operations below turn it into GridUnavailableError.
    client.on('error', (err: Error) => this.#noteClientError(err));
    // A Cluster reports its nodes' connection errors apart from its own ('Failed to refresh slots cache'); a node's
    // refused certificate is followed there by a plain 'Connection is closed', so a certificate error is kept apart.
    if (client instanceof Cluster) client.on('node error', (err: Error) => this.#noteClientError(err));
  }

  /** The client's last certificate error: a refused certificate shows only there (the command sees a closed connection). */
  #certificateError: Error | undefined;

  #noteClientError(err: Error): void {
    if (certificateErrorCode(err) !== undefined) this.#certificateError = err;
  }

  /**
   * `redis://host:port[/db]` or `redis-cluster://host:port[,host:port...]`; `rediss://` and `rediss-cluster://` for TLS
   * (trusting `options.tlsCa`). Waits until connected (bounded).
   */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const connectTimeout = options.connectTimeoutMs ?? 2000;
    const reconnectMax = options.reconnectMaxMs ?? 1000;
    const useTls = url.startsWith('rediss://') || url.startsWith('rediss-cluster://');
    if (options.tlsCa !== undefined && !useTls) {
      throw new InvalidInputError(`a TLS CA is configured but ${redactUrl(url)} is not rediss:// or rediss-cluster://: refusing to connect in clear`, { url: redactUrl(url) });
    }
    const tls = useTls ? { tls: { ...(options.tlsCa !== undefined ? { ca: options.tlsCa } : {}) } } : {};
    // Commands fail fast while disconnected (one reconnect attempt); RedisStore#run retries them with backoff.
    const commandTimeout = options.commandTimeoutMs ?? 2000;
    const common: RedisOptions = { connectTimeout, commandTimeout, maxRetriesPerRequest: 1, lazyConnect: true, enableAutoPipelining: true, ...tls };
    let store: RedisStore;
    // The servers a failed connect is diagnosed against (see the catch below).
    let seeds: { host: string; port: number }[] = [];
    if (url.startsWith('redis-cluster://') || url.startsWith('rediss-cluster://')) {
      // redis-cluster://[user:password@]host:port,host:port…
      let rest = url.slice(url.indexOf('://') + 3);
      let auth: { username?: string; password?: string } = {};
      const at = rest.lastIndexOf('@');
      if (at >= 0) {
        const [user = '', pass = ''] = rest.slice(0, at).split(':').map(decodeURIComponent);
        auth = { ...(user ? { username: user } : {}), ...(pass ? { password: pass } : {}) };
        rest = rest.slice(at + 1);
      }
      const nodes = rest.split(',').filter(Boolean).map((hp) => {
        const [host = '127.0.0.1', port = '6379'] = hp.split(':');
        return { host, port: Number(port) };
      });
      if (nodes.length === 0 || nodes.some((n) => !Number.isInteger(n.port))) throw new InvalidInputError(`bad Redis Cluster URL ${JSON.stringify(redactUrl(url))}`, { url: redactUrl(url) });
      const cluster = new Cluster(nodes, {
        enableAutoPipelining: true, lazyConnect: true,
        clusterRetryStrategy: (times) => Math.min(100 * 2 ** times, reconnectMax),
        // Learn a failover's new slot owners even when no MOVED reply tells us (the old master just went silent).
        slotsRefreshInterval: options.slotsRefreshIntervalMs ?? 2000,
        redisOptions: { connectTimeout, commandTimeout, maxRetriesPerRequest: 1, ...auth, ...tls },
      });
      store = new RedisStore('redis-cluster', cluster, options);
      seeds = nodes;
    } else if (url.startsWith('redis://') || url.startsWith('rediss://')) {
      const redis = new Redis(url, { ...common, retryStrategy: (times) => Math.min(50 * 2 ** times, reconnectMax) });
      store = new RedisStore('redis', redis, options);
      const u = new URL(url);
      seeds = [{ host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(u.port || 6379) }];
    } else {
      throw new InvalidInputError(`not a Redis URL: ${JSON.stringify(url)}`, { url });
    }
    try {
      await store.#run('connect', async () => {
        if (store.client.status === 'wait' || store.client.status === 'end' || store.client.status === 'close') await store.client.connect();
        await store.client.ping();
      });
    } catch (err) {
      // Stop the client's background reconnects: nobody holds this store.
      store.client.disconnect();
      let certError = certificateErrorCode(err) !== undefined ? err : store.#certificateError;
      // ioredis's Cluster discovers slots over connections whose errors it drops, leaving only 'None of startup nodes
      // is available': one plain connection per seed, with the same options, tells why (a refused certificate, a
      // wrong password or a missing ACL user).
      if (certError === undefined && store.client instanceof Cluster) {
        const redisOptions = store.client.options.redisOptions ?? {};
        const why = await Promise.all(seeds.map((seed) => seedConnectError(redisOptions, seed)));
        certError = why.find((e) => certificateErrorCode(e) !== undefined);
        const refused = why.find((e) => e instanceof Error && e.name === 'ReplyError' && !isTransient(e));
        if (certError === undefined && refused !== undefined) throw new GridStoreRefusedError(`connect to ${redactUrl(url)}`, { cause: refused });
      }
      const certCode = certificateErrorCode(certError);
      if (certCode !== undefined) throw new UntrustedCertificateError(redactUrl(url), (certError as Error).message, certCode, { cause: err });
      // A plain URL to a TLS-only port: the server drops the connection, which says nothing; a TLS handshake that
      // completes (nothing is sent over it) says why.
      if (!useTls) {
        const tlsSeed = (await Promise.all(seeds.map(async (seed) => ((await speaksTls(seed, connectTimeout)) ? seed : undefined)))).find((seed) => seed !== undefined);
        if (tlsSeed) throw new GridTlsRequiredError(redactUrl(url), `${tlsSeed.host}:${tlsSeed.port}`, { cause: err });
      }
      throw err;
    }
    return store;
  }

  /** Runs one operation with bounded retries and exponential backoff on connection trouble. */
  async #run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err)) throw err instanceof Error && err.name === 'ReplyError' ? new GridStoreRefusedError(operation, { cause: err }) : err;
        lastError = err;
        // A Cluster node that stopped answering may have been replaced: ask for the slot owners again before the retry.
        if (this.client instanceof Cluster) this.client.refreshSlotsCache();
        if (attempt < this.#maxAttempts) await new Promise((r) => setTimeout(r, this.#retryBaseMs * 2 ** (attempt - 1)));
      }
    }
    throw new GridUnavailableError(operation, this.#maxAttempts, { cause: lastError });
  }

  get #cmd(): GridCommands {
    return this.client as unknown as GridCommands;
  }

  async #noteTenant(tenantId: string): Promise<void> {
    if (this.#knownTenants.has(tenantId)) return;
    await this.client.sadd(TENANTS_KEY, tenantId);
    this.#knownTenants.add(tenantId);
  }

  async setQuota(tenantId: string, quotaBytes: number): Promise<void> {
    const k = keysOf(tenantId);
    await this.#run('setQuota', async () => {
      await this.client.hset(k.meta, 'q', String(quotaBytes));
      await this.#noteTenant(tenantId);
    });
  }

  async get(tenantId: string, key: string): Promise<Buffer | undefined> {
    const k = keysOf(tenantId);
    if (this.#readOnly.has(tenantId)) {
      const plain = await this.#run('get', () => this.client.getBuffer(k.vp + key));
      return plain ?? undefined;
    }
    // Both commands go out in one auto-pipelined write to the node owning the tenant's slot: one round trip.
    const [, v] = await this.#run('get', () => Promise.all([this.#cmd.fwTouch(k.meta, k.sz, k.lru, key), this.client.getBuffer(k.vp + key)]));
    return v ?? undefined;
  }

  async set(tenantId: string, key: string, value: Uint8Array, options: SetOptions = {}): Promise<SetResult> {
    const k = keysOf(tenantId);
    const pinArg = options.pin === undefined ? '' : options.pin ? '1' : '0';
    // ioredis sends Buffers as bytes but stringifies other typed arrays: wrap (no copy) the exact byte range.
    const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const reply = await this.#run('set', async () => {
      await this.#noteTenant(tenantId);
      const staging = `${k.staging}${randomBytes(8).toString('hex')}`;
      const [, commit] = await Promise.all([
        this.client.set(staging, buf, 'PX', STAGING_TTL_MS),
        this.#cmd.fwCommit(k.meta, k.sz, k.lru, k.pin, staging, k.vp, key, pinArg, this.#defaultQuota),
      ]);
      return commit;
    });
    const [status, ...rest] = reply.map(String);
    // The staging value vanished before the commit ran (expired: the client stalled for minutes): not saved.
    if (status === 'STAGING') throw new GridUnavailableError('set (staging value expired)', 1);
    if (status === 'QUOTA') throw new GridQuotaExceededError(tenantId, key, value.length, Number(rest[0]), Number(rest[1]));
    return { evicted: rest };
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    const k = keysOf(tenantId);
    return (await this.#run('delete', () => this.#cmd.fwDelete(k.meta, k.sz, k.lru, k.pin, k.vp, key))) === 1;
  }

  async has(tenantId: string, key: string): Promise<boolean> {
    const k = keysOf(tenantId);
    return (await this.#run('has', () => this.client.hexists(k.sz, key))) === 1;
  }

  async list(tenantId: string, prefix = ''): Promise<string[]> {
    const k = keysOf(tenantId);
    const keys = await this.#run('list', () => this.client.hkeys(k.sz));
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async setPinned(tenantId: string, key: string, pinned: boolean): Promise<boolean> {
    const k = keysOf(tenantId);
    return (await this.#run('setPinned', () => this.#cmd.fwPin(k.meta, k.sz, k.lru, k.pin, key, pinned ? '1' : '0'))) === 1;
  }

  async stats(tenantId: string): Promise<TenantGridStats> {
    const k = keysOf(tenantId);
    const [meta, keys] = await this.#run('stats', () => Promise.all([this.client.hmget(k.meta, 'q', 'u', 'p', 'h', 'm', 'e'), this.client.hlen(k.sz)]));
    const n = (i: number, fallback = 0): number => (meta[i] == null ? fallback : Number(meta[i]));
    return {
      tenantId, quotaBytes: n(0, Number(this.#defaultQuota)), usedBytes: n(1), pinnedBytes: n(2),
      hits: n(3), misses: n(4), evictions: n(5), keys,
    };
  }

  async tenants(): Promise<string[]> {
    return (await this.#run('tenants', () => this.client.smembers(TENANTS_KEY))).sort();
  }

  /**
   * Creates or updates the Redis ACL user `fw-<tenant>` that a tenant's job processes connect as: all rights on the
   * tenant's own keys, read-only on the shared datasets, nothing else; no admin or keyspace-wide commands. Run with an
   * admin connection (the coordinator's). A Cluster does not propagate ACLs, so the user is set on every node,
   * replicas included (a replica promoted by a failover must already know the user). A node added later needs
   * provisioning again: it is idempotent (the rules start with `reset`).
   */
  async provisionTenantUser(tenantId: string, password: string): Promise<string> {
    const { tenantAclUser, tenantAclRules } = await import('./redis-acl.ts');
    const rules = tenantAclRules(tenantId, password);
    await this.#run('provisionTenantUser', async () => {
      const { nodes, temporary } = this.client instanceof Cluster ? await clusterNodeClients(this.client) : { nodes: [this.client], temporary: [] };
      try {
        await Promise.all(nodes.map((n) => n.call('ACL', 'SETUSER', tenantAclUser(tenantId), ...rules)));
      } finally {
        for (const t of temporary) t.disconnect();
      }
    });
    return tenantAclUser(tenantId);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/**
 * Whether the server at `seed` completes a TLS handshake (certificate not checked, nothing sent): to tell a plain
 * client why a TLS-only server dropped its connection. Bounded by `timeoutMs`.
 */
function speaksTls(seed: { host: string; port: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: seed.host, port: seed.port, rejectUnauthorized: false });
    const done = (handshake: boolean): void => {
      socket.destroy();
      resolve(handshake);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Why one standalone connection to a Cluster seed, with the Cluster's node options (TLS, CA, credentials), fails:
 * the first error the connection reports (a certificate error, a ReplyError such as WRONGPASS), else the command's;
 * undefined when it answers PING. One attempt, no reconnects.
 */
async function seedConnectError(redisOptions: RedisOptions, seed: { host: string; port: number }): Promise<unknown> {
  const probe = new Redis({ ...redisOptions, host: seed.host, port: seed.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let first: Error | undefined;
  probe.on('error', (e: Error) => { first ??= e; });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (err) {
    return first ?? err;
  } finally {
    probe.disconnect();
  }
}

/**
 * A client for every live node of the Cluster. The client's own pool follows CLUSTER SLOTS, which lists a replica only
 * once gossip has told its master about it (seconds after it joined, or never for a master without slots), so the
 * nodes come from CLUSTER NODES; those the pool lacks get a temporary connection with the pool's options (TLS, CA,
 * credentials), which the caller disconnects. A node marked failed is skipped: it cannot be reached now.
 */
async function clusterNodeClients(cluster: Cluster): Promise<{ nodes: Redis[]; temporary: Redis[] }> {
  const pool = new Map(cluster.nodes('all').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  const listing = String(await cluster.call('CLUSTER', 'NODES'));
  const nodes: Redis[] = [];
  const temporary: Redis[] = [];
  for (const line of listing.split('\n')) {
    // <id> <ip:port@cport[,hostname]> <flags> …; an IPv6 address has colons of its own, so split at the last one.
    const [, address = '', flags = ''] = line.trim().split(' ');
    const hostPort = address.split('@')[0] ?? '';
    const colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || /(^|,)(fail\??|noaddr|handshake)(,|$)/.test(flags)) continue;
    const host = hostPort.slice(0, colon);
    const port = Number(hostPort.slice(colon + 1));
    if (!Number.isInteger(port) || port <= 0) continue;
    const known = pool.get(`${host}:${port}`);
    if (known) {
      nodes.push(known);
    } else {
      const extra = new Redis({ ...cluster.options.redisOptions, host, port, lazyConnect: true });
      // Its failures reach the caller through the command's rejection.
      extra.on('error', () => undefined);
      temporary.push(extra);
      nodes.push(extra);
    }
  }
  if (nodes.length === 0) throw new GridUnavailableError('list cluster nodes (CLUSTER NODES named none)', 1);
  return { nodes, temporary };
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
