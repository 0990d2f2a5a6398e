import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../core/util/errors.ts';
import { certificateErrorCode, InsecureUrlError, loadCa, makeFetch } from './http-transport.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('loadCa: the flag wins over FAIRWAY_CA; missing and non-PEM files are input errors; neither set is undefined', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-ca-'));
  try {
    writeFileSync(join(dir, 'a.pem'), PEM);
    writeFileSync(join(dir, 'b.pem'), PEM.replace('MIIB', 'MIIC'));
    writeFileSync(join(dir, 'junk'), 'not a certificate');
    assert.equal(loadCa(join(dir, 'a.pem'), { FAIRWAY_CA: join(dir, 'b.pem') }), PEM);
    assert.match(loadCa(undefined, { FAIRWAY_CA: join(dir, 'b.pem') })!, /MIIC/);
    assert.equal(loadCa(undefined, {}), undefined);
    assert.equal(loadCa(undefined, { FAIRWAY_CA: '' }), undefined);
    assert.throws(() => loadCa(join(dir, 'missing.pem'), {}), (e: unknown) => e instanceof InvalidInputError && /cannot read the CA file/.test(e.message));
    assert.throws(() => loadCa(join(dir, 'junk'), {}), /holds no PEM certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a CA configured, an http:// URL is refused before anything is sent; other schemes are input errors', async () => {
  const f = makeFetch({ ca: PEM });
  await assert.rejects(f('http://127.0.0.1:1/v1/jobs', { headers: { authorization: 'Bearer secret' } }), (e: unknown) =>
    e instanceof InsecureUrlError && e.code === 'insecure_url' && !e.message.includes('secret'));
  await assert.rejects(makeFetch()('ftp://127.0.0.1/x'), InvalidInputError);
});

test('certificateErrorCode finds an OpenSSL verification code through causes, and nothing in other errors', () => {
  const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  assert.equal(certificateErrorCode(new Error('wrapped', { cause: new Error('mid', { cause: tls }) })), 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(certificateErrorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), undefined);
  assert.equal(certificateErrorCode('not an error'), undefined);
});
