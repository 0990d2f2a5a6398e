// Per-tenant encryption of grid values (the seed's "memory isolation with encryption"): AES-256-GCM with a random
// 96-bit IV per value. The tenant id and the key name are the additional authenticated data, so a ciphertext moved
// to another key or another tenant fails authentication instead of decrypting. Layout: iv(12) | tag(16) | ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GridDecryptError } from './errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const ENCRYPTION_OVERHEAD_BYTES = IV_BYTES + TAG_BYTES;

export class TenantCipher {
  readonly #key: Buffer;

  constructor(readonly tenantId: string, key: Uint8Array) {
    this.#key = Buffer.from(key);
  }

  encrypt(key: string, plain: Uint8Array): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(this.#aad(key));
    const out = Buffer.allocUnsafeSlow(ENCRYPTION_OVERHEAD_BYTES + plain.length);
    iv.copy(out, 0);
    const body = cipher.update(plain);
    body.copy(out, ENCRYPTION_OVERHEAD_BYTES);
    // GCM is a stream mode: final() yields no bytes, it only completes the tag.
    cipher.final();
    cipher.getAuthTag().copy(out, IV_BYTES);
    return out;
  }

  decrypt(key: string, stored: Uint8Array): Buffer {
    if (stored.length < ENCRYPTION_OVERHEAD_BYTES) throw new GridDecryptError(this.tenantId, key);
    const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, buf.subarray(0, IV_BYTES));
      decipher.setAAD(this.#aad(key));
      decipher.setAuthTag(buf.subarray(IV_BYTES, ENCRYPTION_OVERHEAD_BYTES));
      const body = decipher.update(buf.subarray(ENCRYPTION_OVERHEAD_BYTES));
      decipher.final();
      if (body.byteOffset % 8 === 0) return body;
      // A fresh, offset-0 buffer keeps typed-array views over it aligned.
      const out = Buffer.allocUnsafeSlow(body.length);
      body.copy(out);
      return out;
    } catch (err) {
      throw new GridDecryptError(this.tenantId, key, { cause: err });
    }
  }

  #aad(key: string): Buffer {
    return Buffer.from(`${this.tenantId}\0${key}`, 'utf8');
  }
}
