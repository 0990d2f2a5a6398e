// Redis adapter (standalone or Cluster) — see docs/grid.md. Implemented in the next commit.
import type { StoreLimits } from './embedded-store.ts';
import { InvalidInputError } from '../core/util/errors.ts';
import type { GridStore } from './port.ts';

export class RedisStore {
  static async connect(url: string, _options: StoreLimits & { maxAttempts?: number }): Promise<GridStore> {
    throw new InvalidInputError(`redis adapter not available yet (${url})`);
  }
}
