// The IDX file format of MNIST and Fashion-MNIST (big-endian header: magic 0x0000 | type | rank, then one uint32
// per dimension, then the data). Supports unsigned bytes, which is what these data sets use.
import { gunzipSync, gzipSync } from 'node:zlib';
import { FairwayError } from '../core/util/errors.ts';

export class IdxFormatError extends FairwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('idx_format', message, context);
  }
}

export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an IDX buffer, gunzipping it first when it starts with the gzip magic. */
export function parseIdx(input: Uint8Array, source = 'idx'): IdxArray {
  const buf = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  if (buf.length < 4) throw new IdxFormatError(`${source}: too short for an IDX header (${buf.length} bytes)`, { source });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint16(0) !== 0) throw new IdxFormatError(`${source}: bad magic (first two bytes must be zero)`, { source });
  const type = buf[2];
  const rank = buf[3] ?? 0;
  if (type !== UBYTE) throw new IdxFormatError(`${source}: element type 0x${(type ?? 0).toString(16)} is not supported (only unsigned byte)`, { source, type });
  if (rank < 1 || rank > 4) throw new IdxFormatError(`${source}: rank ${rank} out of range 1..4`, { source, rank });
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new IdxFormatError(`${source}: truncated header`, { source });
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - headerBytes !== count) {
    throw new IdxFormatError(`${source}: header says ${count} elements but the file holds ${buf.length - headerBytes}`, { source, shape });
  }
  return { shape, data: buf.subarray(headerBytes, headerBytes + count) };
}

/** Encodes an unsigned-byte array as IDX (gzipped when asked). */
export function encodeIdx(array: IdxArray, gzip = true): Buffer {
  const header = Buffer.alloc(4 + 4 * array.shape.length);
  header[2] = UBYTE;
  header[3] = array.shape.length;
  array.shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([header, Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength)]);
  return gzip ? gzipSync(raw, { level: 9 }) : raw;
}

/** The first `n` items along the first dimension. */
export function sliceIdx(array: IdxArray, n: number): IdxArray {
  const [first = 0, ...rest] = array.shape;
  const take = Math.min(n, first);
  const per = rest.reduce((a, b) => a * b, 1);
  return { shape: [take, ...rest], data: array.data.subarray(0, take * per) };
}
