import type { Command } from 'commander';
import { MIN_NODE_TIMEOUT_MS } from '../../agent/lease.ts';
import { InvalidInputError } from '../../core/util/errors.ts';
import { startServer } from '../../server/server.ts';
import { packageVersion } from './version.ts';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the coordinator (HTTP API, scheduling loop, SQLite state)')
    .option('--port <port>', 'TCP port (0 picks a free one)', '7300')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where the SQLite database and join token live', '.fairway')
    .option('--admin-token <token>', 'admin token (or env FAIRWAY_ADMIN_TOKEN)')
    .option('--join-token <token>', 'agent join token (or env FAIRWAY_JOIN_TOKEN; default: generated into DATA_DIR/join-token)')
    .option('--sync <mode>', 'SQLite synchronous mode: full (survives power loss) or normal (survives a process crash)', 'full')
    .option('--body-limit <bytes>', 'largest request body', String(1024 * 1024))
    .option('--log', 'log warnings and errors as JSON lines')
    .option('--queue-depth <n>', 'pending jobs a scheduling cycle considers at most, highest priority first', '1000')
    .option('--grid <url>', 'the data grid whose per-tenant usage the coordinator reports: embedded, redis://host:port, redis-cluster://… (or env FAIRWAY_GRID)')
    .option('--no-grid-shares', "report each tenant's grid memory but do not charge it in its dominant share (fairness, queue order)")
    .option('--forecast-step-ms <ms>', 'one per-node load forecast step this often', '5000')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate, PEM (or env FAIRWAY_TLS_CERT); needs --tls-key')
    .option('--tls-key <file>', 'private key of --tls-cert, PEM (or env FAIRWAY_TLS_KEY)')
    .option('--node-timeout-ms <ms>', 'a node silent for this long is lost and its jobs requeued (0: never)', '30000')
    .action(async (o: { port: string; host: string; dataDir: string; adminToken?: string; joinToken?: string; sync: string; bodyLimit: string; log?: boolean; queueDepth: string; grid?: string; gridShares: boolean; forecastStepMs: string; tlsCert?: string; tlsKey?: string; nodeTimeoutMs: string }) => {
      const adminToken = o.adminToken ?? process.env.FAIRWAY_ADMIN_TOKEN;
      if (!adminToken) throw new InvalidInputError('--admin-token (or FAIRWAY_ADMIN_TOKEN) is required', { field: 'adminToken' });
      if (o.sync !== 'full' && o.sync !== 'normal') throw new InvalidInputError(`--sync must be full or normal, got ${o.sync}`, { field: 'sync' });
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInputError(`--port must be 0-65535, got ${o.port}`, { field: 'port' });
      const queueDepth = Number(o.queueDepth);
      if (!Number.isInteger(queueDepth) || queueDepth < 1) throw new InvalidInputError(`--queue-depth must be a positive integer, got ${o.queueDepth}`, { field: 'queueDepth' });
      const nodeTimeoutMs = Number(o.nodeTimeoutMs);
      if (!Number.isInteger(nodeTimeoutMs) || nodeTimeoutMs < 0) throw new InvalidInputError(`--node-timeout-ms must be a non-negative integer, got ${o.nodeTimeoutMs}`, { field: 'nodeTimeoutMs' });
      // Agents fence their jobs with a lease of half this (src/agent/lease.ts); much shorter and a busy machine's hiccup would stop them.
      if (nodeTimeoutMs !== 0 && nodeTimeoutMs < MIN_NODE_TIMEOUT_MS) throw new InvalidInputError(`--node-timeout-ms must be 0 (never) or at least ${MIN_NODE_TIMEOUT_MS}: agents stop their jobs after a lease of half of it, got ${o.nodeTimeoutMs}`, { field: 'nodeTimeoutMs' });
      const joinToken = o.joinToken ?? process.env.FAIRWAY_JOIN_TOKEN;
      const forecastStepMs = Number(o.forecastStepMs);
      if (!Number.isInteger(forecastStepMs) || forecastStepMs < 100) throw new InvalidInputError(`--forecast-step-ms must be an integer ≥ 100, got ${o.forecastStepMs}`, { field: 'forecastStepMs' });
      const gridUrl = o.grid ?? process.env.FAIRWAY_GRID;
      const tlsCertFile = o.tlsCert ?? (process.env.FAIRWAY_TLS_CERT || undefined);
      const tlsKeyFile = o.tlsKey ?? (process.env.FAIRWAY_TLS_KEY || undefined);
      const s = await startServer({
        ...(tlsCertFile !== undefined ? { tlsCertFile } : {}), ...(tlsKeyFile !== undefined ? { tlsKeyFile } : {}),
        port, host: o.host, dataDir: o.dataDir, adminToken, sync: o.sync, bodyLimit: Number(o.bodyLimit), logger: o.log ?? false,
        version: packageVersion(), queueDepth, nodeTimeoutMs, ...(joinToken ? { joinToken } : {}), forecastStepMs, ...(gridUrl ? { gridUrl } : {}), gridInShares: o.gridShares,
      });
      console.log(`fairway coordinator listening on ${s.url}`);
      if (tlsCertFile === undefined && o.host !== '127.0.0.1' && o.host !== '::1' && o.host !== 'localhost') {
        console.warn(`warning: serving plain HTTP on ${o.host}: tokens cross the network in clear; use --tls-cert/--tls-key`);
      }
      if (s.joinTokenFile) console.log(`agent join token in ${s.joinTokenFile}`);
      console.log(`dashboard at ${s.url}/ (sign in with the admin token or a tenant token)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => { void s.close().then(resolve); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
