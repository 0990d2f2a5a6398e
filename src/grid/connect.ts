// Builds a Grid from a URL, so processes (coordinator, agent, job) pick their adapter by configuration:
//   embedded                                   in this process (default)
//   redis://host:port[/db]                     a standalone Redis server
//   redis-cluster://host:port[,host:port...]   a Redis Cluster (seed nodes)
//   rediss://…, rediss-cluster://…             the same over TLS (options.tlsCa: the CA to trust)
import { InvalidInputError } from '../core/util/errors.ts';
import { EmbeddedStore, type StoreLimits } from './embedded-store.ts';
import { Grid } from './grid.ts';
import type { GridStore } from './port.ts';
import type { RedisStoreOptions } from './redis-store.ts';
import { loadCa } from '../wire/http-transport.ts';

export type ConnectOptions = StoreLimits & RedisStoreOptions;

/**
 * The CA to trust for a TLS grid URL: the file given, else env FAIRWAY_GRID_CA, else FAIRWAY_CA (one CA for the whole
 * cluster is the common case). Undefined for plain URLs, so a CA meant for the coordinator does not refuse a loopback
 * redis:// grid.
 */
export function gridTlsCa(url: string, file?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!/^rediss(-cluster)?:\/\//.test(url)) return undefined;
  return loadCa(file ?? (env.FAIRWAY_GRID_CA || undefined), env);
}

export async function createStore(url: string, options: ConnectOptions = {}): Promise<GridStore> {
  if (url === '' || url === 'embedded') return new EmbeddedStore(options);
  if (/^rediss?(-cluster)?:\/\//.test(url)) {
    const { RedisStore } = await import('./redis-store.ts');
    return RedisStore.connect(url, options);
  }
  throw new InvalidInputError(`unknown grid URL ${JSON.stringify(url)}: use embedded, redis[s]://host:port or redis[s]-cluster://host:port,...`, { url });
}

export async function connectGrid(url = 'embedded', options: ConnectOptions = {}): Promise<Grid> {
  return new Grid(await createStore(url, options));
}
