// `fairway grid …`: load shared datasets into a grid and look at what it holds. `--url` picks the adapter
// (embedded | redis[s]://host:port | redis[s]-cluster://host:port,…; default $FAIRWAY_GRID or embedded). With the
// embedded adapter the grid lives only as long as the command: useful to check a load, not to serve jobs.
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/util/errors.ts';
import { connectGrid, gridTlsCa } from '../../grid/connect.ts';
import { listDatasets } from '../../grid/datasets.ts';
import { loadFashionMnistIntoGrid } from '../../grid/fashion-mnist-dataset.ts';
import type { Grid } from '../../grid/grid.ts';

const defaultUrl = (): string => process.env.FAIRWAY_GRID ?? 'embedded';

async function withGrid<T>(url: string, fn: (grid: Grid) => Promise<T>, caFile?: string): Promise<T> {
  const tlsCa = gridTlsCa(url, caFile);
  const grid = await connectGrid(url, tlsCa !== undefined ? { tlsCa } : {});
  try {
    return await fn(grid);
  } finally {
    await grid.close();
  }
}

export function registerGrid(program: Command): void {
  const grid = program.command('grid').description('the in-memory data grid: datasets, checkpoints, per-tenant usage');

  grid
    .command('load-fashion-mnist')
    .description('decode Fashion-MNIST once into shared shards (Debian full set when installed, else the bundled slice)')
    .option('--url <url>', 'grid URL', defaultUrl())
    .option('--ca <file>', 'CA certificate (PEM) for a rediss:// grid (env FAIRWAY_GRID_CA, else FAIRWAY_CA)')
    .option('--split <split>', 'train or t10k', 'train')
    .option('--bundled', 'use the slice bundled in the repo even when the full set is installed')
    .option('--json', 'print the manifest as JSON')
    .action(async (opts: { url: string; ca?: string; split: string; bundled?: boolean; json?: boolean }) => {
      if (opts.split !== 'train' && opts.split !== 't10k') throw new InvalidInputError(`--split must be train or t10k, got ${opts.split}`);
      const m = await withGrid(opts.url, (g) => loadFashionMnistIntoGrid(g.sharedWriter(), { split: opts.split as 'train' | 't10k', preferFull: !opts.bundled }), opts.ca);
      if (opts.json) console.log(JSON.stringify(m));
      else console.log(`${m.name}@${m.version}: ${m.items} items in ${m.shards.length} shards, ${m.shards.reduce((a, s) => a + s.bytes, 0)} bytes, ${m.contentChecksum}`);
    });

  grid
    .command('datasets')
    .description('list the shared datasets')
    .option('--url <url>', 'grid URL', defaultUrl())
    .option('--ca <file>', 'CA certificate (PEM) for a rediss:// grid (env FAIRWAY_GRID_CA, else FAIRWAY_CA)')
    .action(async (opts: { url: string; ca?: string }) => {
      const list = await withGrid(opts.url, (g) => listDatasets(g.sharedReader()), opts.ca);
      if (list.length === 0) console.log('(no datasets)');
      for (const d of list) console.log(`${d.name}\t${d.versions.join(', ')}`);
    });

  grid
    .command('stats')
    .description('per-tenant usage: bytes, quota, pinned, hits, misses, evictions')
    .option('--url <url>', 'grid URL', defaultUrl())
    .option('--ca <file>', 'CA certificate (PEM) for a rediss:// grid (env FAIRWAY_GRID_CA, else FAIRWAY_CA)')
    .option('--json', 'print JSON')
    .action(async (opts: { url: string; ca?: string; json?: boolean }) => {
      const stats = await withGrid(opts.url, (g) => g.allStats(), opts.ca);
      if (opts.json) {
        console.log(JSON.stringify(stats));
        return;
      }
      console.log('tenant               used B      quota B     pinned B   keys     hits   misses  evictions');
      for (const s of stats) {
        console.log(`${s.tenantId.padEnd(16)} ${[s.usedBytes, s.quotaBytes, s.pinnedBytes, s.keys, s.hits, s.misses, s.evictions].map((v, i) => String(v).padStart(i < 3 ? 12 : 8)).join(' ')}`);
      }
    });
}
