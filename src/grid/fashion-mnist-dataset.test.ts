import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST_DIR, loadFashionMnist } from '../data/fashion-mnist.ts';
import { openDataset } from './datasets.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { fashionMnistDatasetName, loadFashionMnistIntoGrid } from './fashion-mnist-dataset.ts';
import { Grid } from './grid.ts';

const debianInstalled = existsSync(join(DEBIAN_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));

for (const preferFull of [false, true]) {
  test(`Fashion-MNIST t10k (preferFull=${preferFull}) loads once into shared shards that decode to pixel/255`, async () => {
    const grid = new Grid(new EmbeddedStore());
    const m = await loadFashionMnistIntoGrid(grid.sharedWriter(), { split: 't10k', preferFull, shardItems: 1000 });
    // The bundled slice holds the first 2,000 test images; Debian's package the full 10,000.
    const full = preferFull && debianInstalled;
    assert.equal(m.items, full ? 10_000 : 2_000);
    assert.equal(m.version, full ? 'v1-debian-10000' : 'v1-bundled-2000');
    assert.equal(m.shards.length, full ? 10 : 2);
    const again = await loadFashionMnistIntoGrid(grid.sharedWriter(), { split: 't10k', preferFull, shardItems: 1000 });
    assert.equal(again.contentChecksum, m.contentChecksum);

    // Any tenant's job reads the same shards from the shared namespace; compare with a direct decode.
    const raw = loadFashionMnist('t10k', { preferFull });
    const ds = await openDataset(grid.sharedReader(), fashionMnistDatasetName('t10k'));
    let seen = 0;
    for await (const shard of ds.shards()) {
      const x = shard.columns.x!;
      const y = shard.columns.y!;
      assert.deepEqual(x.shape, [shard.items, 28, 28, 1]);
      for (const i of [0, shard.items - 1]) {
        const item = seen + i;
        assert.equal(y.data[i], raw.labels[item]);
        const px = 28 * 14 + 14; // centre pixel
        assert.equal(x.data[i * 784 + px], Math.fround(raw.images[item * 784 + px]! / 255));
      }
      seen += shard.items;
    }
    assert.equal(seen, m.items);
  });
}
