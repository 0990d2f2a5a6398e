// Builds a Grid from a URL, so processes (coordinator, agent, job) pick their adapter by configuration:
//   embedded                                   in this process (default)
//   redis://host:port[/db]                     a standalone Redis server
//   redis-cluster://host:port[,host:port...]   a Redis Cluster (seed nodes)
import { InvalidInputError } from '../core/util/errors.ts';
import { EmbeddedStore, type StoreLimits } from './embedded-store.ts';
import { Grid } from './grid.ts';
import type { GridStore } from './port.ts';
import type { RedisStoreOptions } from './redis-store.ts';

export type ConnectOptions = StoreLimits & RedisStoreOptions;

export async function createStore(url: string, options: ConnectOptions = {}): Promise<GridStore> {
  if (url === '' || url === 'embedded') return new EmbeddedStore(options);
  if (url.startsWith('redis://') || url.startsWith('redis-cluster://')) {
    const { RedisStore } = await import('./redis-store.ts');
    return RedisStore.connect(url, options);
  }
  throw new InvalidInputError(`unknown grid URL ${JSON.stringify(url)}: use embedded, redis://host:port or redis-cluster://host:port,...`, { url });
}

export async function connectGrid(url = 'embedded', options: ConnectOptions = {}): Promise<Grid> {
  return new Grid(await createStore(url, options));
}
