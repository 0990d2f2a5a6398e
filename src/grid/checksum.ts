// Checksums of stored bytes. CRC-32 (zlib's, hardware-assisted, ~memcpy speed) catches accidental corruption on
// every read without costing the read path much; tampering is AES-GCM's job (encrypted tenants, ./grid.ts).
import { crc32 } from 'node:zlib';
import { GridChecksumError } from './errors.ts';

/** `crc32:` + 8 lowercase hex digits. */
export function checksumOf(bytes: Uint8Array): string {
  return `crc32:${crc32(bytes).toString(16).padStart(8, '0')}`;
}

export function verifyChecksum(key: string, bytes: Uint8Array, expected: string): void {
  const actual = checksumOf(bytes);
  if (actual !== expected) throw new GridChecksumError(key, expected, actual);
}
