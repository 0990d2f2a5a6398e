// Datasets in the grid: versioned, checksummed shards of decoded tensors plus a manifest. A dataset is published
// once (e.g. Fashion-MNIST: IDX → normalised Float32 → shards) and then every job reads the same decoded shards.
//
// Keys (inside one namespace):
//   ds/<name>/<version>/shard/<000000>   one shard: each column's bytes for the shard's items, 8-byte aligned
//   ds/<name>/<version>/manifest         written after every shard: a version without a manifest does not exist
//   ds/<name>/latest                     the version published last
import { z } from 'zod';
import { ConflictError, InvalidInputError } from '../core/util/errors.ts';
import { checksumOf, verifyChecksum } from './checksum.ts';
import { GridFormatError, GridNotFoundError } from './errors.ts';
import { decodeManifest, encodeManifest } from './manifest-codec.ts';
import { mapLimit } from './map-limit.ts';
import type { GridNamespace, GridReader } from './port.ts';
import { align8, bytesOf, bytesPerElement, elementCount, TENSOR_DTYPES, validateTensor, viewAs, type Tensor } from './tensor.ts';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Aim for shards of about this size: big enough to amortise a round trip, small enough to stream and evict. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

const ColumnSchema = z.object({ name: z.string(), dtype: z.enum(TENSOR_DTYPES), itemShape: z.array(z.number().int().nonnegative()) });
const ShardSchema = z.object({ index: z.number().int().nonnegative(), items: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), checksum: z.string() });
export const DatasetManifestSchema = z.object({
  format: z.literal(1),
  name: z.string(),
  version: z.string(),
  items: z.number().int().nonnegative(),
  shardItems: z.number().int().positive(),
  columns: z.array(ColumnSchema),
  shards: z.array(ShardSchema),
  /** Checksum over the columns and every shard checksum: equal content ⇒ equal value. */
  contentChecksum: z.string(),
  meta: z.record(z.string(), z.unknown()),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

export interface DatasetInput {
  readonly name: string;
  readonly version: string;
  /** Columns of equal length along the first dimension, e.g. `{ x: [n,28,28,1] float32, y: [n] uint8 }`. */
  readonly columns: Readonly<Record<string, Tensor>>;
  /** Items per shard; default: as many as fit in about 4 MiB. */
  readonly shardItems?: number;
  /** Free-form JSON metadata (class names, normalisation, source, licence). */
  readonly meta?: Record<string, unknown>;
  /** Pin the shards so they are never evicted (default true: datasets are read by running jobs). */
  readonly pin?: boolean;
}

export interface DatasetShard {
  readonly index: number;
  readonly items: number;
  /** Views over the shard's bytes (no copy when aligned): shape is [items, ...itemShape]. */
  readonly columns: Readonly<Record<string, Tensor>>;
}

function validateName(value: string, what: string): string {
  if (!NAME_PATTERN.test(value)) throw new InvalidInputError(`${what} must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(value)}`, { field: what, value });
  return value;
}

const prefix = (name: string, version: string): string => `ds/${name}/${version}/`;
const shardKey = (name: string, version: string, i: number): string => `${prefix(name, version)}shard/${String(i).padStart(6, '0')}`;
const manifestKey = (name: string, version: string): string => `${prefix(name, version)}manifest`;
const latestKey = (name: string): string => `ds/${name}/latest`;

/**
 * Shards the columns into the namespace and commits the manifest last. Publishing the same name and version with the
 * same content again is a no-op (load once); different content under an existing version is a ConflictError.
 * On failure the shards written so far are deleted and the version does not exist.
 */
export async function publishDataset(ns: GridNamespace, input: DatasetInput): Promise<DatasetManifest> {
  const name = validateName(input.name, 'dataset name');
  const version = validateName(input.version, 'dataset version');
  if (version === 'latest') throw new InvalidInputError(`'latest' is reserved and cannot be a dataset version`, { name });
  const entries = Object.entries(input.columns);
  if (entries.length === 0) throw new InvalidInputError(`dataset '${name}' has no columns`, { name });
  const items = entries[0]![1].shape[0] ?? 0;
  const columns = entries.map(([col, t]) => {
    validateTensor(t, `dataset '${name}' column '${col}'`);
    if (t.shape.length < 1 || t.shape[0] !== items) {
      throw new InvalidInputError(`dataset '${name}' column '${col}' has ${t.shape[0] ?? 0} items, expected ${items}`, { name, column: col });
    }
    return { name: col, dtype: t.dtype, itemShape: t.shape.slice(1), tensor: t };
  });
  const itemBytes = columns.reduce((sum, c) => sum + elementCount(c.itemShape) * bytesPerElement(c.dtype), 0);
  const shardItems = input.shardItems ?? Math.max(1, Math.floor(DEFAULT_SHARD_BYTES / Math.max(1, itemBytes)));
  if (!Number.isInteger(shardItems) || shardItems < 1) throw new InvalidInputError(`shardItems must be a positive integer, got ${shardItems}`, { name });

  // Encode every shard first (cheap next to the writes) so the content checksum is known before touching the grid.
  const shards: { index: number; items: number; bytes: Buffer; checksum: string }[] = [];
  for (let start = 0, index = 0; start < items || (items === 0 && index === 0); start += shardItems, index++) {
    const n = Math.min(shardItems, items - start);
    const layout = columns.map((c) => ({ c, per: elementCount(c.itemShape) }));
    let size = 0;
    for (const { c, per } of layout) size = align8(size) + n * per * bytesPerElement(c.dtype);
    const buf = Buffer.alloc(size);
    let offset = 0;
    for (const { c, per } of layout) {
      offset = align8(offset);
      const src = bytesOf(c.tensor.data.subarray(start * per, (start + n) * per));
      buf.set(src, offset);
      offset += src.length;
    }
    shards.push({ index, items: n, bytes: buf, checksum: checksumOf(buf) });
    if (items === 0) break;
  }
  const columnsMeta = columns.map(({ name: n, dtype, itemShape }) => ({ name: n, dtype, itemShape }));
  const contentChecksum = checksumOf(Buffer.from(JSON.stringify({ columnsMeta, shardItems, shards: shards.map((s) => s.checksum) })));
  const manifest: DatasetManifest = {
    format: 1, name, version, items, shardItems, columns: columnsMeta,
    shards: shards.map(({ index, items: n, bytes, checksum }) => ({ index, items: n, bytes: bytes.length, checksum })),
    contentChecksum, meta: input.meta ?? {},
  };

  const existing = await ns.get(manifestKey(name, version));
  if (existing) {
    const prev = decodeManifest(manifestKey(name, version), existing, DatasetManifestSchema);
    if (prev.contentChecksum === contentChecksum) return prev;
    throw new ConflictError(`dataset '${name}' version '${version}' already exists with different content`, { name, version });
  }

  const pin = input.pin ?? true;
  const written: string[] = [];
  try {
    await mapLimit(shards, 4, async (s) => {
      const key = shardKey(name, version, s.index);
      written.push(key); // before the write: a failed write's outcome may be unknown, so clean it up too
      await ns.set(key, s.bytes, { pin });
    });
    await ns.set(manifestKey(name, version), encodeManifest(manifest), { pin });
  } catch (err) {
    await deleteQuietly(ns, written);
    throw err;
  }
  await ns.set(latestKey(name), Buffer.from(version, 'utf8'), { pin });
  return manifest;
}

/** Best-effort removal of a failed write's partial keys; the original error is what the caller sees. */
async function deleteQuietly(ns: GridNamespace, keys: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(keys.map((k) => ns.delete(k)));
  // A key that cannot be deleted now (store down) is orphaned but unreachable: no manifest names it, and the next
  // publish of the same version overwrites it.
  void results;
}

/** Opens a published dataset; `version` defaults to the latest. Throws GridNotFoundError for an unknown name or version. */
export async function openDataset(reader: GridReader, name: string, version?: string, options: DatasetReadOptions = {}): Promise<Dataset> {
  validateName(name, 'dataset name');
  let v = version;
  if (v === undefined) {
    const latest = await reader.get(latestKey(name));
    if (!latest) throw new GridNotFoundError('dataset', name, { namespace: reader.namespace });
    v = latest.toString('utf8');
  }
  validateName(v, 'dataset version');
  const bytes = await reader.get(manifestKey(name, v));
  if (!bytes) {
    const known = await reader.list(`ds/${name}/`);
    if (known.length === 0) throw new GridNotFoundError('dataset', name, { namespace: reader.namespace });
    throw new GridNotFoundError('dataset version', `${name}@${v}`, { namespace: reader.namespace, versions: versionsFrom(known) });
  }
  return new Dataset(reader, decodeManifest(manifestKey(name, v), bytes, DatasetManifestSchema), options);
}

function versionsFrom(keys: readonly string[]): string[] {
  return [...new Set(keys.filter((k) => k.endsWith('/manifest')).map((k) => k.split('/')[2] ?? ''))].sort();
}

/** Names and versions of the datasets published in a namespace. */
export async function listDatasets(reader: GridReader): Promise<{ name: string; versions: string[] }[]> {
  const keys = await reader.list('ds/');
  const byName = new Map<string, string[]>();
  for (const k of keys) {
    const [, name, version, last] = k.split('/');
    if (name && version && last === 'manifest') byName.set(name, [...(byName.get(name) ?? []), version]);
  }
  return [...byName].map(([name, versions]) => ({ name, versions: versions.sort() })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Pins or unpins every key of a dataset version (pin while jobs read it; unpin to let LRU reclaim it). */
export async function pinDataset(ns: GridNamespace, name: string, version: string, pinned: boolean): Promise<void> {
  const keys = await ns.list(prefix(validateName(name, 'dataset name'), validateName(version, 'dataset version')));
  if (keys.length === 0) throw new GridNotFoundError('dataset version', `${name}@${version}`, { namespace: ns.namespace });
  for (const k of keys) await ns.setPinned(k, pinned);
}

/** Deletes one version; the manifest goes first so readers never see a version with missing shards. */
export async function deleteDataset(ns: GridNamespace, name: string, version: string): Promise<boolean> {
  const mk = manifestKey(validateName(name, 'dataset name'), validateName(version, 'dataset version'));
  const existed = await ns.delete(mk);
  for (const k of await ns.list(prefix(name, version))) await ns.delete(k);
  const latest = await ns.get(latestKey(name));
  if (latest?.toString('utf8') === version) await ns.delete(latestKey(name));
  return existed;
}

/**
 * Buffers already checked against a checksum. The embedded adapter hands out the very same immutable buffer on every
 * read, so it is verified on first read only; a Redis read yields a new buffer each time and is verified each time.
 */
const verified = new WeakMap<Buffer, string>();

export interface DatasetReadOptions {
  /** `once` (default): skip re-verifying a buffer instance already verified; `always`: checksum every read. */
  readonly verify?: 'once' | 'always';
}

export class Dataset {
  constructor(private readonly reader: GridReader, readonly manifest: DatasetManifest, private readonly options: DatasetReadOptions = {}) {}

  get name(): string {
    return this.manifest.name;
  }

  get version(): string {
    return this.manifest.version;
  }

  get items(): number {
    return this.manifest.items;
  }

  get shardCount(): number {
    return this.manifest.shards.length;
  }

  /** Reads one shard, verifies its checksum and returns typed views over its columns. */
  async readShard(index: number): Promise<DatasetShard> {
    const s = this.manifest.shards[index];
    if (!s) throw new InvalidInputError(`dataset '${this.name}@${this.version}' has ${this.shardCount} shards; no shard ${index}`, { index });
    const key = shardKey(this.name, this.version, index);
    const bytes = await this.reader.get(key);
    if (!bytes) throw new GridFormatError(`shard ${index} of dataset '${this.name}@${this.version}' is missing from the grid (deleted or evicted while unpinned)`, { key });
    if (bytes.length !== s.bytes) throw new GridFormatError(`shard ${index} of '${this.name}@${this.version}' is ${bytes.length} bytes, manifest says ${s.bytes}`, { key });
    if (this.options.verify === 'always' || verified.get(bytes) !== s.checksum) {
      verifyChecksum(key, bytes, s.checksum);
      verified.set(bytes, s.checksum);
    }
    const columns: Record<string, Tensor> = {};
    let offset = 0;
    for (const c of this.manifest.columns) {
      offset = align8(offset);
      const count = s.items * elementCount(c.itemShape);
      columns[c.name] = { dtype: c.dtype, shape: [s.items, ...c.itemShape], data: viewAs(c.dtype, bytes, offset, count) };
      offset += count * bytesPerElement(c.dtype);
    }
    return { index, items: s.items, columns };
  }

  /** Every shard in order, fetching up to `prefetch` shards ahead so a remote store's round trips overlap. */
  async *shards(options: { prefetch?: number } = {}): AsyncGenerator<DatasetShard> {
    const ahead = Math.max(1, options.prefetch ?? 2);
    const pending: Promise<DatasetShard>[] = [];
    let next = 0;
    while (next < this.shardCount || pending.length > 0) {
      while (next < this.shardCount && pending.length < ahead) {
        const p = this.readShard(next++);
        // Errors surface when this shard's turn comes; mark handled so an early one does not crash the process.
        p.catch(() => undefined);
        pending.push(p);
      }
      yield await pending.shift()!;
    }
  }
}
