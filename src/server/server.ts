// Wires the live coordinator: SQLite store in the data dir, authenticator, coordinator (scheduling loop), HTTP API.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../core/util/errors.ts';
import { buildApp } from './app.ts';
import { Authenticator, newToken } from './auth.ts';
import { Coordinator } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import { repoRoot } from '../paths.ts';
import { connectGrid, gridTlsCa } from '../grid/connect.ts';

export interface ServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly dataDir: string;
  readonly adminToken: string;
  /** Agents' join token; when absent one is made and kept in DATA_DIR/join-token (mode 0600). */
  readonly joinToken?: string;
  readonly sync?: 'full' | 'normal';
  readonly bodyLimit?: number;
  readonly logger?: boolean;
  readonly version?: string;
  readonly cycleIntervalMs?: number;
  readonly profile?: string;
  readonly nodeTimeoutMs?: number;
  /** Pending jobs a scheduling cycle considers at most (CoordinatorOptions.queueDepth). */
  readonly queueDepth?: number;
  /** The data grid whose per-tenant usage /v1/fairness reports: embedded (default), redis[s]://…, redis[s]-cluster://…. */
  readonly gridUrl?: string;
  /** Charge each tenant's grid memory in its dominant share (CoordinatorOptions.gridInShares; default true). */
  readonly gridInShares?: boolean;
  /** One load-forecast step per node this often (default 5000). */
  readonly forecastStepMs?: number;
  /** Serve HTTPS with this certificate and private key (PEM files); both or neither. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly coordinator: Coordinator;
  readonly store: SqliteStore;
  readonly url: string;
  readonly joinTokenFile?: string;
  close(): Promise<void>;
}

function joinTokenFrom(dataDir: string, given?: string): { token: string; file?: string } {
  if (given) return { token: given };
  const file = join(dataDir, 'join-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file };
  const token = newToken('fwj');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}

function readPem(file: string, what: string, field: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`, { field, file }, { cause: err });
  }
  if (!pem.includes('-----BEGIN')) throw new InvalidInputError(`the TLS ${what} ${file} is not PEM`, { field, file });
  return pem;
}

/** Certificate and key for HTTPS, or undefined for plain HTTP; one without the other is an error, not a silent downgrade. */
function tlsFrom(o: ServerOptions): { cert: string; key: string } | undefined {
  if (o.tlsCertFile === undefined && o.tlsKeyFile === undefined) return undefined;
  if (o.tlsCertFile === undefined || o.tlsKeyFile === undefined) {
    throw new InvalidInputError('--tls-cert and --tls-key go together', { field: o.tlsCertFile === undefined ? 'tlsCert' : 'tlsKey' });
  }
  return { cert: readPem(o.tlsCertFile, 'certificate', 'tlsCert'), key: readPem(o.tlsKeyFile, 'key', 'tlsKey') };
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  if (o.adminToken.length < 16) throw new InvalidInputError('--admin-token must be at least 16 characters', { field: 'adminToken' });
  const https = tlsFrom(o);
  const store = new SqliteStore(join(o.dataDir, 'fairway.db'), { sync: o.sync ?? 'full', writer: 'worker' });
  const join_ = joinTokenFrom(o.dataDir, o.joinToken);
  const auth = new Authenticator(o.adminToken, join_.token);
  const gridUrl = o.gridUrl ?? 'embedded';
  // A TLS grid (rediss://) trusts FAIRWAY_GRID_CA or FAIRWAY_CA, as `fairway grid` does.
  const tlsCa = gridTlsCa(gridUrl);
  const grid = await connectGrid(gridUrl, tlsCa !== undefined ? { tlsCa } : {});
  const coordinator = new Coordinator({
    store, auth, grid, ...(o.gridInShares !== undefined ? { gridInShares: o.gridInShares } : {}), ...(o.forecastStepMs !== undefined ? { forecast: { stepMs: o.forecastStepMs } } : {}), ...(o.cycleIntervalMs !== undefined ? { cycleIntervalMs: o.cycleIntervalMs } : {}), ...(o.profile ? { profile: o.profile } : {}),
    ...(o.nodeTimeoutMs !== undefined ? { nodeTimeoutMs: o.nodeTimeoutMs } : {}), ...(o.queueDepth !== undefined ? { queueDepth: o.queueDepth } : {}),
  });
  const app = buildApp({ coordinator, auth, ...(https ? { https } : {}), dashboardDir: join(repoRoot, 'web', 'dist'), storeStats: () => store.stats, ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}), ...(o.logger !== undefined ? { logger: o.logger } : {}), ...(o.version ? { version: o.version } : {}) });
  const address = await app.listen({ port: o.port, host: o.host ?? '127.0.0.1' });
  let closed = false;
  return {
    app, coordinator, store, url: address, ...(join_.file ? { joinTokenFile: join_.file } : {}),
    async close() {
      if (closed) return;
      closed = true;
      await coordinator.close();
      await app.close();
      await store.close();
    },
  };
}
