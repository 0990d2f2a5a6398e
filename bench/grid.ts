// `npm run bench -- grid [--json] [--bundled] [--epochs N] [--checkpoint-mb 10,100,1000] [--no-redis]`
//
// Per epoch over Fashion-MNIST train (Debian's full 60,000 images when installed, else the bundled 10,000), how fast
// a job gets the decoded, normalised tensors from: (a) the gzipped IDX files on disk, as a naive loader does (read,
// gunzip, parse, normalise); (b) the embedded grid; (c) Redis standalone; (d) Redis Cluster; (e) a plain memcpy of
// the same bytes (the physical limit). MB/s counts the decoded bytes delivered (float32 images + uint8 labels).
// Also: the raw Redis GET throughput for the same value sizes (the baseline for the Redis target), checkpoint
// save + restore for 10 MB, 100 MB and 1 GB, and the cost of per-tenant AES-256-GCM encryption.
// Starts and stops its own Redis servers (test/grid/redis-servers.ts).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { loadFashionMnist } from '../src/data/fashion-mnist.ts';
import { Grid } from '../src/grid/grid.ts';
import { EmbeddedStore } from '../src/grid/embedded-store.ts';
import { RedisStore } from '../src/grid/redis-store.ts';
import { openDataset, publishDataset, type DatasetManifest } from '../src/grid/datasets.ts';
import { deleteCheckpoints, loadCheckpoint, saveCheckpoint } from '../src/grid/checkpoints.ts';
import { fashionMnistColumns } from '../src/grid/fashion-mnist-dataset.ts';
import { TenantCipher } from '../src/grid/encryption.ts';
import { tensor } from '../src/grid/tensor.ts';
import type { GridReader } from '../src/grid/port.ts';
import { REDIS_CLI, redisUnavailableReason, startRedisServers, type RedisServers } from '../test/grid/redis-servers.ts';

type Source = 'disk' | 'embedded' | 'embedded-verify-always' | 'embedded-encrypted' | 'redis' | 'redis-cluster' | 'memcpy';

interface EpochResult {
  source: Source;
  MBps: number;
  epochMs: number;
  epochs: number;
  vsDisk?: number;
  vsMemcpy?: number;
}

const MB = 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function timeEpochs(epochs: number, fn: () => Promise<number> | number): Promise<{ ms: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  await fn(); // warm-up: first-touch page faults, JIT, connection set-up
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    bytes = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes };
}

/** One epoch as a job sees it: every shard's columns as typed arrays; returns the decoded bytes delivered. */
async function readEpoch(reader: GridReader, name: string, verify: 'once' | 'always', prefetch: number): Promise<number> {
  const ds = await openDataset(reader, name, undefined, { verify });
  let bytes = 0;
  for await (const shard of ds.shards({ prefetch })) {
    for (const c of Object.values(shard.columns)) bytes += c.data.byteLength;
  }
  return bytes;
}

/**
 * Raw GETs of plain keys holding values of the shard sizes, `depth` in flight, on their own ioredis connection: what
 * Redis + the client can do without the grid. Returns an epoch function, so its epochs can be interleaved with the
 * grid's (this machine's load changes from second to second; interleaving keeps the ratio fair).
 */
async function rawRedisGets(url: string, sizes: number[], depth: number): Promise<{ epoch: () => Promise<number>; close: () => Promise<void> }> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { enableAutoPipelining: true });
  const keys = sizes.map((_, i) => `raw:${i}`);
  for (let i = 0; i < sizes.length; i++) await r.set(keys[i]!, randomBytes(sizes[i]!));
  return {
    epoch: async () => {
      let total = 0;
      for (let i = 0; i < keys.length; i += depth) {
        const got = await Promise.all(keys.slice(i, i + depth).map((k) => r.getBuffer(k)));
        for (const g of got) total += g?.length ?? 0;
      }
      return total;
    },
    close: async () => {
      await r.del(...keys);
      r.disconnect();
    },
  };
}

/** Median epoch times of several sources measured in alternation. */
async function interleaved(epochs: number, fns: readonly (() => Promise<number>)[]): Promise<{ ms: number; bytes: number }[]> {
  const times = fns.map(() => [] as number[]);
  const bytes = fns.map(() => 0);
  for (const fn of fns) await fn(); // warm-up
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < fns.length; i++) {
      const t0 = performance.now();
      bytes[i] = await fns[i]!();
      times[i]!.push(performance.now() - t0);
    }
  }
  return fns.map((_, i) => ({ ms: median(times[i]!), bytes: bytes[i]! }));
}

/** redis-benchmark itself (C client) for GETs of `valueBytes` values, when the binary is there. */
function redisBenchmarkMBps(port: number, valueBytes: number, requests: number): number | undefined {
  const bin = REDIS_CLI.replace(/redis-cli$/, 'redis-benchmark');
  // `-t set,get`: the SETs create the key the GETs then read (GET alone would read a missing key).
  const r = spawnSync(bin, ['-p', String(port), '-t', 'set,get', '-d', String(valueBytes), '-n', String(requests), '-c', '4', '--csv'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return undefined;
  const line = r.stdout.split('\n').find((l) => l.startsWith('"GET"'));
  const rps = line ? Number(line.split(',')[1]?.replace(/"/g, '')) : NaN;
  return Number.isFinite(rps) ? (rps * valueBytes) / MB : undefined;
}

interface CheckpointResult { adapter: string; sizeMB: number; saveMs: number; restoreMs: number; saveMBps: number; restoreMBps: number }

async function benchCheckpoint(grid: Grid, adapter: string, sizeMB: number): Promise<CheckpointResult> {
  const n = Math.floor((sizeMB * MB) / 4);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i += 1024) w[i] = i;
  const ns = grid.namespace('bench-ckpt');
  await grid.configureTenant('bench-ckpt', { quotaBytes: 4 * sizeMB * MB + 64 * MB });
  const t0 = performance.now();
  await saveCheckpoint(ns, `job-${sizeMB}`, { step: 1, tensors: { w: tensor(w, [n]) }, state: { epoch: 1 } }, { nowMs: Date.now() });
  const t1 = performance.now();
  const c = await loadCheckpoint(ns, `job-${sizeMB}`);
  const t2 = performance.now();
  if (c.tensors.w!.data.length !== n || c.tensors.w!.data[1024] !== 1024) throw new Error('checkpoint round trip mismatch');
  await deleteCheckpoints(ns, `job-${sizeMB}`);
  const bytes = n * 4;
  return { adapter, sizeMB, saveMs: t1 - t0, restoreMs: t2 - t1, saveMBps: bytes / MB / ((t1 - t0) / 1000), restoreMBps: bytes / MB / ((t2 - t1) / 1000) };
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const epochs = Number(arg(args, '--epochs') ?? 3);
  const preferFull = !args.includes('--bundled');
  const withRedis = !args.includes('--no-redis');
  const checkpointMB = (arg(args, '--checkpoint-mb') ?? '10,100,1000').split(',').filter(Boolean).map(Number);
  const log = (s: string): void => {
    if (!json) console.error(s);
  };

  // (a) disk: the naive loader, every epoch.
  log('disk epochs…');
  const disk = await timeEpochs(epochs, () => {
    const images = loadFashionMnist('train', { preferFull });
    const cols = fashionMnistColumns(images);
    return cols.x.data.byteLength + cols.y.data.byteLength;
  });
  const images = loadFashionMnist('train', { preferFull });
  const columns = fashionMnistColumns(images);
  const name = 'fashion-mnist-train';
  const input = { name, version: 'bench', columns };

  const results: EpochResult[] = [];
  const push = (source: Source, r: { ms: number; bytes: number }): void => {
    results.push({ source, MBps: r.bytes / MB / (r.ms / 1000), epochMs: r.ms, epochs });
  };
  push('disk', disk);

  // (b) embedded.
  log('embedded epochs…');
  const embedded = new Grid(new EmbeddedStore({ defaultQuotaBytes: 8e9 }));
  const manifest: DatasetManifest = await publishDataset(embedded.sharedWriter(), input);
  // (e) memcpy of the same shard bytes into one destination as large as the dataset (a copying loader's best case).
  const shardBufs: Buffer[] = [];
  for (const sh of manifest.shards) {
    const buf = await embedded.store.get('_shared', `ds/${name}/bench/shard/${String(sh.index).padStart(6, '0')}`);
    if (buf) shardBufs.push(buf);
  }
  const dst = Buffer.alloc(shardBufs.reduce((a2, b2) => a2 + b2.length, 0));
  const memcpyEpoch = async (): Promise<number> => {
    let at = 0;
    for (const buf of shardBufs) {
      dst.set(buf, at);
      at += buf.length;
    }
    return at;
  };
  const [embR, verR, memR0] = await interleaved(epochs, [
    () => readEpoch(embedded.sharedReader(), name, 'once', 1),
    () => readEpoch(embedded.sharedReader(), name, 'always', 1),
    memcpyEpoch,
  ]);
  push('embedded', embR!);
  push('embedded-verify-always', verR!);

  // Encryption: the same dataset in an encrypted tenant's namespace (every read decrypts and authenticates).
  log('encryption…');
  await embedded.configureTenant('bench-enc', { encryptionKey: randomBytes(32) });
  await publishDataset(embedded.namespace('bench-enc'), input);
  push('embedded-encrypted', await timeEpochs(epochs, () => readEpoch(embedded.namespace('bench-enc'), name, 'once', 1)));
  const cipher = new TenantCipher('bench', randomBytes(32));
  const value = randomBytes(4 * 1024 * 1024);
  const enc = await timeEpochs(epochs, () => {
    let total = 0;
    for (let i = 0; i < 16; i++) total += cipher.encrypt(`k${i}`, value).length - 28;
    return total;
  });
  const ct = cipher.encrypt('k', value);
  const dec = await timeEpochs(epochs, () => {
    let total = 0;
    for (let i = 0; i < 16; i++) total += cipher.decrypt('k', ct).length;
    return total;
  });

  push('memcpy', memR0!);

  // (c), (d) Redis standalone and Cluster.
  let redisBaseline: { rawGetMBps: number; redisBenchmarkMBps?: number; valueBytes: number; depth: number } | undefined;
  let servers: RedisServers | undefined;
  const checkpoints: CheckpointResult[] = [];
  const prefetch = 4;
  const why = withRedis ? redisUnavailableReason() : 'disabled by --no-redis';
  try {
    if (why === undefined) {
      log('starting redis…');
      servers = await startRedisServers({ cluster: true });
      for (const [source, url] of [['redis', servers.standaloneUrl], ['redis-cluster', servers.clusterUrl]] as const) {
        log(`${source} epochs…`);
        const g = new Grid(await RedisStore.connect(url, { defaultQuotaBytes: 8e9 }));
        try {
          await publishDataset(g.sharedWriter(), input);
          if (source === 'redis') {
            const sizes = manifest.shards.map((sh) => sh.bytes);
            const raw = await rawRedisGets(servers.standaloneUrl, sizes, prefetch);
            try {
              const [grid, rawR] = await interleaved(epochs, [() => readEpoch(g.sharedReader(), name, 'once', prefetch), raw.epoch]);
              push(source, grid!);
              const rb = redisBenchmarkMBps(servers.standalone.port, sizes[0]!, 200);
              redisBaseline = { rawGetMBps: rawR!.bytes / MB / (rawR!.ms / 1000), ...(rb === undefined ? {} : { redisBenchmarkMBps: rb }), valueBytes: sizes[0]!, depth: prefetch };
            } finally {
              await raw.close();
            }
          } else {
            push(source, await timeEpochs(epochs, () => readEpoch(g.sharedReader(), name, 'once', prefetch)));
          }
          for (const mb of checkpointMB) {
            if (source === 'redis-cluster' && mb > 100) continue; // one job's checkpoint lives on one master: same as standalone
            log(`${source} checkpoint ${mb} MB…`);
            checkpoints.push(await benchCheckpoint(g, source, mb));
          }
        } finally {
          await g.close();
        }
      }
    } else {
      log(`skipping Redis: ${why}`);
    }
  } finally {
    await servers?.stop();
  }
  for (const mb of checkpointMB) {
    log(`embedded checkpoint ${mb} MB…`);
    checkpoints.unshift(await benchCheckpoint(embedded, 'embedded', mb));
  }
  await embedded.close();

  const by = (s: Source): EpochResult | undefined => results.find((r) => r.source === s);
  const diskR = by('disk')!;
  const memR = by('memcpy')!;
  for (const r of results) {
    r.vsDisk = r.MBps / diskR.MBps;
    r.vsMemcpy = r.MBps / memR.MBps;
  }
  const emb = by('embedded')!;
  const red = by('redis');
  const targets = {
    embeddedVsDisk: { ratio: emb.MBps / diskR.MBps, target: '>= 10', met: emb.MBps / diskR.MBps >= 10 },
    embeddedVsMemcpy: { ratio: memR.MBps / emb.MBps, target: 'memcpy/embedded <= 2', met: memR.MBps / emb.MBps <= 2 },
    ...(red && redisBaseline ? { redisVsRawGet: { ratio: redisBaseline.rawGetMBps / red.MBps, target: 'raw/grid <= 3', met: redisBaseline.rawGetMBps / red.MBps <= 3 } } : {}),
  };
  const encryption = {
    aesGcmEncryptMBps: enc.bytes / MB / (enc.ms / 1000),
    aesGcmDecryptMBps: dec.bytes / MB / (dec.ms / 1000),
    /** Against the unencrypted read that also passes over every byte (checksum): both touch all the data. */
    epochSlowdownVsVerifyAlways: by('embedded-verify-always')!.MBps / by('embedded-encrypted')!.MBps,
  };
  const dataset = { name, origin: images.origin, items: manifest.items, shards: manifest.shards.length, shardBytes: manifest.shards[0]?.bytes ?? 0, decodedMB: diskR.epochMs > 0 ? columns.x.data.byteLength / MB + columns.y.data.byteLength / MB : 0 };
  const round = (x: number): number => Math.round(x * 100) / 100;
  const roundAll = <T>(o: T): T => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (typeof v === 'number' ? round(v) : v))) as T;

  if (json) {
    console.log(JSON.stringify(roundAll({ benchmark: 'grid', node: process.version, dataset, epochs, results, redisBaseline, targets, encryption, checkpoints })));
    return;
  }
  console.log(`\nFashion-MNIST train (${dataset.origin}, ${dataset.items} images, ${dataset.decodedMB.toFixed(1)} MB decoded, ${dataset.shards} shards of ~${(dataset.shardBytes / MB).toFixed(1)} MB); median of ${epochs} epochs\n`);
  console.log('source                    MB/s    epoch ms   × disk   × memcpy');
  for (const r of results) {
    console.log(`${r.source.padEnd(24)} ${r.MBps.toFixed(0).padStart(7)} ${r.epochMs.toFixed(1).padStart(10)} ${r.vsDisk!.toFixed(1).padStart(8)} ${r.vsMemcpy!.toFixed(2).padStart(10)}`);
  }
  if (redisBaseline) {
    console.log(`\nraw Redis GET (ioredis, ${redisBaseline.depth} in flight, ${(redisBaseline.valueBytes / MB).toFixed(1)} MB values): ${redisBaseline.rawGetMBps.toFixed(0)} MB/s` +
      (redisBaseline.redisBenchmarkMBps === undefined ? '' : `; redis-benchmark GET: ${redisBaseline.redisBenchmarkMBps.toFixed(0)} MB/s`));
  }
  console.log('\ntargets');
  for (const [k, v] of Object.entries(targets)) console.log(`  ${k.padEnd(18)} ${v.ratio.toFixed(2).padStart(8)}  (${v.target}) ${v.met ? 'met' : 'NOT met'}`);
  console.log(`\nencryption: AES-256-GCM encrypt ${encryption.aesGcmEncryptMBps.toFixed(0)} MB/s, decrypt ${encryption.aesGcmDecryptMBps.toFixed(0)} MB/s; encrypted epoch ${encryption.epochSlowdownVsVerifyAlways.toFixed(1)}× slower than an unencrypted epoch that checksums every byte`);
  console.log('\ncheckpoints          MB     save ms   save MB/s   restore ms  restore MB/s');
  for (const c of checkpoints) {
    console.log(`  ${c.adapter.padEnd(16)} ${String(c.sizeMB).padStart(5)} ${c.saveMs.toFixed(0).padStart(10)} ${c.saveMBps.toFixed(0).padStart(11)} ${c.restoreMs.toFixed(0).padStart(12)} ${c.restoreMBps.toFixed(0).padStart(13)}`);
  }
}
