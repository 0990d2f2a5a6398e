// Manifests (of datasets and checkpoints) are stored as `<checksum>\n<json>` so a corrupt manifest is detected like a
// corrupt shard, then validated with zod so a foreign or older layout fails with a clear GridFormatError.
import type { z } from 'zod';
import { checksumOf, verifyChecksum } from './checksum.ts';
import { GridFormatError } from './errors.ts';

export function encodeManifest(manifest: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  return Buffer.concat([Buffer.from(`${checksumOf(json)}\n`, 'utf8'), json]);
}

export function decodeManifest<T>(key: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new GridFormatError(`'${key}' is not a grid manifest (no checksum line)`, { key });
  const json = buf.subarray(nl + 1);
  verifyChecksum(key, json, buf.subarray(0, nl).toString('utf8'));
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new GridFormatError(`'${key}' holds invalid JSON`, { key }, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new GridFormatError(`'${key}' is not a valid manifest: ${parsed.error.message}`, { key });
  return parsed.data;
}
