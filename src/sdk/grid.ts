// What a training job imports to reach the data grid: shared datasets and its own checkpoints. Small on purpose.
//
//   const grid = await connectJobGrid();                    // FAIRWAY_GRID, FAIRWAY_TENANT, FAIRWAY_GRID_KEY
//   const ds = await grid.dataset('fashion-mnist');         // latest version, read-only, shared by every tenant
//   for await (const shard of ds.shards()) { shard.columns.x.data /* Float32Array */; shard.columns.y.data }
//   await grid.saveCheckpoint(jobId, { step, tensors: { w: tensor(weights, [n]) }, state: { epoch } });
//   const ckpt = await grid.restoreCheckpoint(jobId);       // undefined when there is none yet
//
// Data path (docs/grid.md): a job process reads shards straight from the grid's store (Redis on this machine or the
// cluster), never through the agent; with the embedded adapter the grid lives in the job's own process.
import { InvalidInputError } from '../core/util/errors.ts';
import { validateId } from '../core/domain/tenant.ts';
import { connectGrid, gridTlsCa } from '../grid/connect.ts';
import type { Grid } from '../grid/grid.ts';
import { openDataset, type Dataset } from '../grid/datasets.ts';
import { loadCheckpoint, saveCheckpoint, latestCheckpointVersion, type Checkpoint, type CheckpointInput, type CheckpointManifest } from '../grid/checkpoints.ts';
import { SHARED_NAMESPACE, type GridNamespace, type GridReader } from '../grid/port.ts';

export { tensor, type Tensor } from '../grid/tensor.ts';
export type { Dataset, DatasetShard } from '../grid/datasets.ts';
export type { Checkpoint, CheckpointInput, CheckpointManifest } from '../grid/checkpoints.ts';

export interface JobGridOptions {
  /** Grid URL (default: env FAIRWAY_GRID, else `embedded`). */
  readonly url?: string;
  /** Tenant the job runs for (default: env FAIRWAY_TENANT). */
  readonly tenantId?: string;
  /** 64 hex digits: the tenant's AES-256 key when its values are encrypted (default: env FAIRWAY_GRID_KEY). */
  readonly encryptionKeyHex?: string;
  /** CA file for a rediss:// grid (default: env FAIRWAY_GRID_CA, else FAIRWAY_CA). */
  readonly caFile?: string;
  /** Use an existing Grid (in-process jobs, tests) instead of connecting. */
  readonly grid?: Grid;
}

export class JobGrid {
  /** The underlying grid (its `kind` says which adapter). The SDK itself only uses the two views below. */
  constructor(readonly grid: Grid, readonly tenantId: string, private readonly owned: boolean) {}

  /** The job's own tenant partition (its checkpoints, its private data). */
  get namespace(): GridNamespace {
    return this.grid.namespace(this.tenantId);
  }

  /** Read-only view of the shared datasets. */
  get shared(): GridReader {
    return this.grid.sharedReader();
  }

  /** A shared dataset (e.g. 'fashion-mnist'); `version` defaults to the latest. */
  dataset(name: string, version?: string): Promise<Dataset> {
    return openDataset(this.shared, name, version);
  }

  /** A dataset this job's tenant published in its own namespace. */
  ownDataset(name: string, version?: string): Promise<Dataset> {
    return openDataset(this.namespace, name, version);
  }

  /** Resolves once the checkpoint is committed (restorable); rejects if it was not saved. */
  saveCheckpoint(jobId: string, input: CheckpointInput, nowMs: number = Date.now()): Promise<CheckpointManifest> {
    return saveCheckpoint(this.namespace, jobId, input, { nowMs });
  }

  /** The latest committed checkpoint, or undefined when the job has none. */
  async restoreCheckpoint(jobId: string): Promise<Checkpoint | undefined> {
    const v = await latestCheckpointVersion(this.namespace, jobId);
    return v === undefined ? undefined : loadCheckpoint(this.namespace, jobId, v);
  }

  async close(): Promise<void> {
    if (this.owned) await this.grid.close();
  }
}

export async function connectJobGrid(options: JobGridOptions = {}): Promise<JobGrid> {
  const tenantId = validateId(options.tenantId ?? process.env.FAIRWAY_TENANT, 'tenantId (FAIRWAY_TENANT)');
  // A job only reads the shared datasets (and, connected as its tenant's Redis ACL user, may only read them).
  const url = options.url ?? process.env.FAIRWAY_GRID ?? 'embedded';
  const tlsCa = options.grid ? undefined : gridTlsCa(url, options.caFile);
  const grid = options.grid ?? (await connectGrid(url, { readOnlyNamespaces: [SHARED_NAMESPACE], ...(tlsCa !== undefined ? { tlsCa } : {}) }));
  const keyHex = options.encryptionKeyHex ?? process.env.FAIRWAY_GRID_KEY;
  if (keyHex !== undefined && keyHex !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) throw new InvalidInputError('FAIRWAY_GRID_KEY must be 64 hex digits (an AES-256 key)');
    await grid.configureTenant(tenantId, { encryptionKey: Buffer.from(keyHex, 'hex') });
  }
  return new JobGrid(grid, tenantId, options.grid === undefined);
}
