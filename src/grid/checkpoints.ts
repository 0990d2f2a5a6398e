// Checkpoints in the grid: chunked, checksummed snapshots of a job's state (weights, optimiser state, step, RNG
// state). No torn checkpoints: chunks are written first, then the manifest, then the `latest` pointer moves (one
// single-key write, atomic on every adapter). The previous version stays intact and pinned until the new one has
// committed; a failed save deletes its partial chunks and leaves `latest` where it was.
//
// Keys (inside the job's tenant namespace):
//   ckpt/<jobId>/<000000001>/chunk/<000000>   chunks of the concatenated tensor bytes (each tensor 8-byte aligned)
//   ckpt/<jobId>/<000000001>/manifest         tensors' names, dtypes, shapes, offsets; chunk checksums; JSON state
//   ckpt/<jobId>/latest                       the committed version
import { z } from 'zod';
import { InvalidInputError } from '../core/util/errors.ts';
import { validateId } from '../core/domain/tenant.ts';
import { checksumOf, verifyChecksum } from './checksum.ts';
import { GridFormatError, GridNotFoundError } from './errors.ts';
import { decodeManifest, encodeManifest } from './manifest-codec.ts';
import { mapLimit } from './map-limit.ts';
import type { GridNamespace } from './port.ts';
import { align8, bytesOf, bytesPerElement, elementCount, TENSOR_DTYPES, validateTensor, viewAs, type Tensor } from './tensor.ts';

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunk writes/reads in flight at once: overlaps round trips to a remote store; no effect on the embedded one. */
const WRITE_CONCURRENCY = 4;
/** Largest chunk a save may use (the default grid value limit). */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

const TensorEntrySchema = z.object({
  name: z.string(), dtype: z.enum(TENSOR_DTYPES), shape: z.array(z.number().int().nonnegative()),
  offset: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(),
});
export const CheckpointManifestSchema = z.object({
  format: z.literal(1),
  jobId: z.string(),
  version: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  createdAtMs: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  chunkBytes: z.number().int().positive(),
  tensors: z.array(TensorEntrySchema),
  chunks: z.array(z.object({ index: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), checksum: z.string() })),
  /** Small JSON state: epoch, RNG state, optimiser hyper-parameters, anything the job needs to resume. */
  state: z.record(z.string(), z.unknown()),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifestSchema>;

export interface CheckpointInput {
  /** Training step the snapshot was taken at. */
  readonly step: number;
  /** Weights and optimiser slots by name. */
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly state?: Record<string, unknown>;
}

export interface SaveCheckpointOptions {
  /** Wall-clock time to record (ms since epoch); the caller's clock, so tests and the simulator stay deterministic. */
  readonly nowMs: number;
  readonly chunkBytes?: number;
}

export interface Checkpoint {
  readonly manifest: CheckpointManifest;
  readonly step: number;
  /** Views over one freshly allocated buffer: the caller owns them. */
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly state: Record<string, unknown>;
}

const base = (jobId: string): string => `ckpt/${jobId}/`;
const versionPrefix = (jobId: string, v: number): string => `${base(jobId)}${String(v).padStart(9, '0')}/`;
const chunkKey = (jobId: string, v: number, i: number): string => `${versionPrefix(jobId, v)}chunk/${String(i).padStart(6, '0')}`;
const manifestKey = (jobId: string, v: number): string => `${versionPrefix(jobId, v)}manifest`;
const latestKey = (jobId: string): string => `${base(jobId)}latest`;

/** Versions of a job's checkpoint that have a manifest (committed or being superseded), ascending. */
export async function listCheckpoints(ns: GridNamespace, jobId: string): Promise<number[]> {
  validateId(jobId, 'jobId');
  const keys = await ns.list(base(jobId));
  return versionsIn(keys, jobId, (rest) => rest === 'manifest');
}

function versionsIn(keys: readonly string[], jobId: string, accept: (rest: string) => boolean): number[] {
  const out = new Set<number>();
  for (const k of keys) {
    const m = /^(\d{9})\/(.+)$/.exec(k.slice(base(jobId).length));
    if (m && accept(m[2]!)) out.add(Number(m[1]));
  }
  return [...out].sort((a, b) => a - b);
}

/** The committed version, or undefined when the job has no checkpoint. */
export async function latestCheckpointVersion(ns: GridNamespace, jobId: string): Promise<number | undefined> {
  validateId(jobId, 'jobId');
  const v = await ns.get(latestKey(jobId));
  if (!v) return undefined;
  const n = Number(v.toString('utf8'));
  if (!Number.isInteger(n) || n < 1) throw new GridFormatError(`checkpoint pointer of job '${jobId}' is corrupt`, { jobId });
  return n;
}

/**
 * Saves a snapshot as the job's next version and commits it. Resolves only after the manifest and the pointer are
 * stored: a resolved save is a restorable checkpoint. Older versions are deleted after the commit.
 */
export async function saveCheckpoint(ns: GridNamespace, jobId: string, input: CheckpointInput, options: SaveCheckpointOptions): Promise<CheckpointManifest> {
  validateId(jobId, 'jobId');
  if (!Number.isInteger(input.step) || input.step < 0) throw new InvalidInputError(`checkpoint step must be a non-negative integer, got ${input.step}`, { jobId });
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 8 || chunkBytes > MAX_CHUNK_BYTES) throw new InvalidInputError(`chunkBytes must be an integer in 8..${MAX_CHUNK_BYTES}, got ${chunkBytes}`, { jobId });

  // Lay the tensors out back to back (8-byte aligned) as one logical byte stream, then cut it into chunks.
  const layout: { name: string; t: Tensor; offset: number; bytes: number }[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(input.tensors)) {
    validateTensor(t, `checkpoint tensor '${name}'`);
    total = align8(total);
    layout.push({ name, t, offset: total, bytes: t.data.byteLength });
    total += t.data.byteLength;
  }

  const committed = await listCheckpoints(ns, jobId);
  const stray = versionsIn(await ns.list(base(jobId)), jobId, () => true);
  const version = Math.max(0, ...committed, ...stray) + 1;

  // Chunks are views of the tensors where they lie inside one (no copy before the store copies or sends them).
  const parts: { index: number; bytes: Uint8Array }[] = [];
  for (let start = 0, index = 0; start < total || (total === 0 && index === 0); start += chunkBytes, index++) {
    parts.push({ index, bytes: gather(layout, start, Math.min(chunkBytes, total - start)) });
    if (total === 0) break;
  }
  const written: string[] = [];
  let manifest: CheckpointManifest;
  try {
    const chunks = await mapLimit(parts, WRITE_CONCURRENCY, async ({ index, bytes }) => {
      const key = chunkKey(jobId, version, index);
      written.push(key); // before the write: a failed write's outcome may be unknown, so clean it up too
      const checksum = checksumOf(bytes);
      await ns.set(key, bytes, { pin: true });
      return { index, bytes: bytes.length, checksum };
    });
    manifest = {
      format: 1, jobId, version, step: input.step, createdAtMs: Math.trunc(options.nowMs), totalBytes: total, chunkBytes,
      tensors: layout.map(({ name, t, offset, bytes }) => ({ name, dtype: t.dtype, shape: [...t.shape], offset, bytes })),
      chunks, state: input.state ?? {},
    };
    written.push(manifestKey(jobId, version));
    await ns.set(manifestKey(jobId, version), encodeManifest(manifest), { pin: true });
  } catch (err) {
    // Best effort: a chunk left behind (store down) is unreachable, no committed manifest names it, and the next
    // save removes it. The caller sees the original error: nothing was saved.
    await Promise.allSettled(written.map((k) => ns.delete(k)));
    throw err;
  }
  // The commit point: one single-key write. If it fails the outcome may be unknown (the reply was lost), so the new
  // version is kept whole: `latest` then names either the previous or the new version, both complete.
  await ns.set(latestKey(jobId), Buffer.from(String(version), 'utf8'), { pin: true });
  await pruneOlder(ns, jobId, version);
  return manifest;
}

/** Copies bytes [start, start+length) of the logical stream (tensors at their offsets, zero padding) into one chunk. */
function gather(layout: readonly { t: Tensor; offset: number; bytes: number }[], start: number, length: number): Uint8Array {
  // A chunk that lies inside one tensor is a view of it: no copy before the store copies or sends it.
  for (const l of layout) {
    if (start >= l.offset && start + length <= l.offset + l.bytes) {
      const src = bytesOf(l.t.data);
      return src.subarray(start - l.offset, start - l.offset + length);
    }
  }
  const out = new Uint8Array(length);
  for (const l of layout) {
    const from = Math.max(start, l.offset);
    const to = Math.min(start + length, l.offset + l.bytes);
    if (from < to) out.set(bytesOf(l.t.data).subarray(from - l.offset, to - l.offset), from - start);
  }
  return out;
}

/** Deletes every version below `keep`; the manifest first so no reader can open a half-deleted version. */
async function pruneOlder(ns: GridNamespace, jobId: string, keep: number): Promise<void> {
  const keys = await ns.list(base(jobId));
  for (const v of versionsIn(keys, jobId, () => true)) {
    if (v >= keep) continue;
    await ns.delete(manifestKey(jobId, v));
    for (const k of keys) if (k.startsWith(versionPrefix(jobId, v))) await ns.delete(k);
  }
}

/**
 * Restores the committed checkpoint (or a given version still held), verifying every chunk's checksum.
 * Throws GridNotFoundError when there is none.
 */
export async function loadCheckpoint(ns: GridNamespace, jobId: string, version?: number): Promise<Checkpoint> {
  validateId(jobId, 'jobId');
  const v = version ?? (await latestCheckpointVersion(ns, jobId));
  if (v === undefined) throw new GridNotFoundError('checkpoint', jobId, { tenantId: ns.namespace });
  const mBytes = await ns.get(manifestKey(jobId, v));
  if (!mBytes) throw new GridNotFoundError('checkpoint version', `${jobId}@${v}`, { tenantId: ns.namespace });
  const manifest = decodeManifest(manifestKey(jobId, v), mBytes, CheckpointManifestSchema);
  const all = Buffer.allocUnsafeSlow(manifest.totalBytes);
  let pos = 0;
  const offsets = manifest.chunks.map((c) => {
    const at = pos;
    pos += c.bytes;
    return at;
  });
  if (pos !== manifest.totalBytes) throw new GridFormatError(`checkpoint '${jobId}@${v}' chunks hold ${pos} bytes, manifest says ${manifest.totalBytes}`, { jobId });
  await mapLimit(manifest.chunks, WRITE_CONCURRENCY, async (c, i) => {
    const key = chunkKey(jobId, v, c.index);
    const bytes = await ns.get(key);
    if (!bytes) throw new GridFormatError(`chunk ${c.index} of checkpoint '${jobId}@${v}' is missing`, { key });
    if (bytes.length !== c.bytes) throw new GridFormatError(`chunk ${c.index} of checkpoint '${jobId}@${v}' is ${bytes.length} bytes, manifest says ${c.bytes}`, { key });
    verifyChecksum(key, bytes, c.checksum);
    all.set(bytes, offsets[i]!);
  });
  const tensors: Record<string, Tensor> = {};
  for (const t of manifest.tensors) {
    const count = elementCount(t.shape);
    if (count * bytesPerElement(t.dtype) !== t.bytes) throw new GridFormatError(`checkpoint '${jobId}@${v}' tensor '${t.name}' size does not match its shape`, { jobId });
    tensors[t.name] = { dtype: t.dtype, shape: t.shape, data: viewAs(t.dtype, all, t.offset, count) };
  }
  return { manifest, step: manifest.step, tensors, state: manifest.state };
}

/** Removes every version of a job's checkpoint (job finished and its owner does not want it kept). */
export async function deleteCheckpoints(ns: GridNamespace, jobId: string): Promise<number> {
  validateId(jobId, 'jobId');
  await ns.delete(latestKey(jobId));
  const keys = await ns.list(base(jobId));
  for (const k of keys) await ns.delete(k);
  return keys.length;
}
