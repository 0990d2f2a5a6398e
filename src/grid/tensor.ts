// Decoded tensors as the grid stores them: a typed array in row-major order plus its shape. Any producer (the
// Fashion-MNIST loader, the synthetic CIFAR-like generator, a model's weights) hands these to datasets/checkpoints.
import { InvalidInputError } from '../core/util/errors.ts';

export const TENSOR_DTYPES = ['float32', 'int32', 'uint8'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];
export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface Tensor {
  readonly dtype: TensorDtype;
  /** Row-major shape; for dataset columns the first dimension is the item count. */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export function bytesPerElement(dtype: TensorDtype): number {
  return dtype === 'uint8' ? 1 : 4;
}

export function dtypeOf(data: TensorData): TensorDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** Wraps a typed array as a tensor, checking that the shape matches its length. */
export function tensor(data: TensorData, shape: readonly number[]): Tensor {
  const t = { dtype: dtypeOf(data), shape: [...shape], data };
  validateTensor(t, 'tensor');
  return t;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function validateTensor(t: Tensor, what: string): void {
  if (!TENSOR_DTYPES.includes(t.dtype)) throw new InvalidInputError(`${what}: unknown dtype ${JSON.stringify(t.dtype)}`, { what });
  if (dtypeOf(t.data) !== t.dtype) throw new InvalidInputError(`${what}: dtype ${t.dtype} does not match its ${t.data.constructor.name}`, { what });
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new InvalidInputError(`${what}: shape must be non-negative integers, got [${t.shape.join(', ')}]`, { what });
  if (elementCount(t.shape) !== t.data.length) {
    throw new InvalidInputError(`${what}: shape [${t.shape.join(', ')}] holds ${elementCount(t.shape)} elements but the data has ${t.data.length}`, { what });
  }
}

/** The raw bytes of a typed array, without copying. */
export function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A typed-array view over `bytes[offset, offset + count·size)`: zero-copy when the address is aligned for the dtype,
 * else a copy (bytes from a socket may sit at any offset of the receive buffer).
 */
export function viewAs(dtype: TensorDtype, bytes: Uint8Array, offset: number, count: number): TensorData {
  if (dtype === 'uint8') return bytes.subarray(offset, offset + count);
  const start = bytes.byteOffset + offset;
  if (start % 4 === 0) {
    return dtype === 'float32' ? new Float32Array(bytes.buffer, start, count) : new Int32Array(bytes.buffer, start, count);
  }
  const copy = new Uint8Array(count * 4);
  copy.set(bytes.subarray(offset, offset + count * 4));
  return dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
}

/** Rounds up to a multiple of 8 so every tensor laid out after another stays aligned. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
