// How the CLI and the agents reach the coordinator: `fetch` for plain HTTP (loopback, `fairway up`), and node:https with
// an explicit trust anchor (a CA file from --ca or FAIRWAY_CA) for HTTPS, since Node 20's global fetch cannot be given
// a CA. Two promises: a certificate that does not chain to the CA is refused with an error that says so, and once a CA
// is configured no request goes to an http:// URL, so a token never crosses the network in clear by a typo.
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { FairwayError, InvalidInputError } from '../core/util/errors.ts';

export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

/** The server's certificate is not trusted (wrong CA, self-signed, expired, wrong host name). */
export class UntrustedCertificateError extends FairwayError {
  constructor(url: string, reason: string, opensslCode: string | undefined, options?: { cause?: unknown }) {
    super('untrusted_certificate',
      `TLS: the certificate of ${url} is not trusted (${opensslCode ?? reason}); pass --ca FILE (or set FAIRWAY_CA) with the CA that signed it`,
      { url, ...(opensslCode ? { tlsCode: opensslCode } : {}) }, options);
  }
}

/** A CA is configured but the URL is http://: refused rather than sending a token in clear. */
export class InsecureUrlError extends FairwayError {
  constructor(url: string) {
    super('insecure_url', `refusing to send a token in clear to ${url}: a CA is configured (--ca / FAIRWAY_CA), so use an https:// URL`, { url });
  }
}

export interface TransportOptions {
  /** PEM text of the CA (or CAs) to trust for https:// URLs; undefined: the system's trust store. */
  readonly ca?: string | undefined;
}

/** Reads the CA file given as a flag, else the one named by FAIRWAY_CA; undefined when neither is set. */
export function loadCa(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = file ?? (env.FAIRWAY_CA || undefined);
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the CA file ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidInputError(`${path} holds no PEM certificate`, { file: path });
  return pem;
}

// OpenSSL verification codes Node reports on err.code for a certificate it will not trust.
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA',
]);

/** The OpenSSL verification code of a certificate error (looking through `cause`), or undefined for other errors. */
export function certificateErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && CERT_CODES.has(code)) return code;
  }
  return undefined;
}

/** A fetch-compatible function that honours `ca` for https:// URLs and refuses http:// ones when a CA is set. */
export function makeFetch(o: TransportOptions = {}): FetchLike {
  return async (url, init = {}) => {
    const u = new URL(url);
    if (u.protocol === 'http:') {
      if (o.ca !== undefined) throw new InsecureUrlError(url);
      return fetch(url, init);
    }
    if (u.protocol !== 'https:') throw new InvalidInputError(`unsupported URL scheme ${u.protocol} in ${url}`, { url });
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(u, {
        method: init.method ?? 'GET',
        headers: { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
        ...(o.ca !== undefined ? { ca: o.ca } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      }, (res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) headers.append(k, x);
          else if (v !== undefined) headers.set(k, v);
        }
        const status = res.statusCode ?? 502;
        // Response forbids a body on these statuses.
        const noBody = status === 204 || status === 304 || init.method === 'HEAD';
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== undefined && CERT_CODES.has(err.code)) reject(new UntrustedCertificateError(u.origin, err.message, err.code, { cause: err }));
        else reject(err);
      });
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  };
}
