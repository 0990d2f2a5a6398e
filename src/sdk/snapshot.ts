// A training snapshot (what a checkpoint holds) and its byte encoding. The encoding is deterministic — the same
// snapshot always gives the same bytes (fixed field order, no timestamps) — and ends in a SHA-256 of everything
// before it, so a corrupt or truncated checkpoint is detected on load and the previous one is used instead.
//
//   "FWCK" | u32 version=1 | u32 headerBytes | header JSON (UTF-8, space-padded to 8) | tensor bytes (LE, each
//   8-aligned) | 32-byte SHA-256
//
// The shape of a snapshot (named tensors + small JSON state + step) is the grid's checkpoint input, so the same
// snapshot goes to the grid's checkpoint API unchanged (./checkpoint-store.ts).
import { createHash } from 'node:crypto';
import { CheckpointCorruptError } from './errors.ts';

export type SnapshotDtype = 'float32' | 'int32';

export interface SnapshotTensor {
  readonly dtype: SnapshotDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface TrainingSnapshot {
  /** Optimiser steps completed. */
  readonly step: number;
  /** Weights and optimiser slots, by name; names sort into the order they are written. */
  readonly tensors: Readonly<Record<string, SnapshotTensor>>;
  /** Small JSON state: epoch, RNG states, optimiser scalars, model name. Keys are written sorted. */
  readonly state: Readonly<Record<string, unknown>>;
}

const MAGIC = [0x46, 0x57, 0x43, 0x4b]; // "FWCK"
const VERSION = 1;
const HASH_BYTES = 32;

const align8 = (n: number): number => (n + 7) & ~7;

/** JSON with object keys sorted at every level, so equal values always serialise identically. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

export function encodeSnapshot(snapshot: TrainingSnapshot): Uint8Array {
  const names = Object.keys(snapshot.tensors).sort();
  let offset = 0;
  const entries = names.map((name) => {
    const t = snapshot.tensors[name]!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new CheckpointCorruptError(`tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(',')}]`, { name });
    }
    const entry = { name, dtype: t.dtype, shape: [...t.shape], offset, bytes: t.data.byteLength };
    offset = align8(offset + t.data.byteLength);
    return entry;
  });
  const headerText = canonicalJson({ format: 'fairway-snapshot', step: snapshot.step, state: snapshot.state, tensors: entries });
  const headerRaw = Buffer.from(headerText, 'utf8');
  const headerBytes = align8(headerRaw.length);
  const bodyStart = 12 + headerBytes;
  const total = bodyStart + offset + HASH_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, headerBytes, true);
  out.set(headerRaw, 12);
  out.fill(0x20, 12 + headerRaw.length, bodyStart);
  for (let i = 0; i < names.length; i++) {
    const t = snapshot.tensors[names[i]!]!;
    // Typed arrays are little-endian on every platform Node runs on (x64, arm64); copy the raw bytes.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), bodyStart + entries[i]!.offset);
  }
  out.set(createHash('sha256').update(out.subarray(0, total - HASH_BYTES)).digest(), total - HASH_BYTES);
  return out;
}

interface HeaderEntry { name: string; dtype: SnapshotDtype; shape: number[]; offset: number; bytes: number }

export function decodeSnapshot(bytes: Uint8Array, what = 'checkpoint'): TrainingSnapshot {
  if (bytes.length < 12 + HASH_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new CheckpointCorruptError(`${what}: not a Fairway snapshot (bad magic or too short: ${bytes.length} bytes)`, { what });
  }
  const expected = bytes.subarray(bytes.length - HASH_BYTES);
  const actual = createHash('sha256').update(bytes.subarray(0, bytes.length - HASH_BYTES)).digest();
  if (!actual.equals(expected)) throw new CheckpointCorruptError(`${what}: checksum mismatch (corrupt or truncated)`, { what });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new CheckpointCorruptError(`${what}: unsupported snapshot version ${version}`, { what, version });
  const headerBytes = view.getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + headerBytes)).toString('utf8')) as {
    step: number; state: Record<string, unknown>; tensors: HeaderEntry[];
  };
  const bodyStart = 12 + headerBytes;
  const tensors: Record<string, SnapshotTensor> = {};
  for (const e of header.tensors) {
    // Copy into a fresh, aligned buffer: the caller owns the result and the source may be reused. (Not
    // `bytes.slice`: on a Buffer that is a view sharing the file's pooled ArrayBuffer, not a copy.)
    const raw = new Uint8Array(e.bytes);
    raw.set(bytes.subarray(bodyStart + e.offset, bodyStart + e.offset + e.bytes));
    const data = e.dtype === 'int32' ? new Int32Array(raw.buffer, 0, e.bytes / 4) : new Float32Array(raw.buffer, 0, e.bytes / 4);
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { step: header.step, tensors, state: header.state };
}
