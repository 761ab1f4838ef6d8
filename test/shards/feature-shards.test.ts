/**
 * Feature shards in-process: skipped images keep their row in the whole annotation file (in the shard's failure
 * records, its messages and the merged file, which equals the unsharded one byte for byte), a finished shard is up
 * to date, and a shard file is not a feature file `vizwiz train` would take.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderImageSource } from '../../src/data/image-source.js';
import { VizWizError } from '../../src/errors.js';
import { extractFeatures } from '../../src/features/extract.js';
import { readFeatures } from '../../src/features/feature-file.js';
import { createPixelProjectionEncoder } from '../../src/features/pixel-projection.js';
import { mergeFeatureShards } from '../../src/features/shard-file.js';
import { selectShard } from '../../src/shards/assign.js';
import { makeImageFolder } from '../features/extract-fixture.js';

test('skipped images are named by their row in the whole file, and the merged file equals the unsharded one', async () => {
  const { dir, questions } = await makeImageFolder(12);
  try {
    const broken = questions[7]!.image;
    await writeFile(join(dir, broken), 'not an image');
    const owner = [0, 1, 2].find((index) => selectShard(questions, { index, count: 3 }).rows.includes(7))!;
    const run = (out: string, index?: number) =>
      extractFeatures({
        questions,
        images: new FolderImageSource(dir),
        encoder: createPixelProjectionEncoder({ imageDim: 16, textDim: 8 }),
        out: join(dir, out),
        batchSize: 3,
        onCorrupt: 'skip',
        progress: false,
        log: () => undefined,
        ...(index !== undefined ? { shard: { index, count: 3 } } : {}),
      });
    const whole = await run('all.safetensors');
    assert.deepEqual(
      whole.failures.map((f) => [f.row, f.image]),
      [[7, broken]],
    );
    for (const index of [0, 1, 2]) {
      const r = await run(`s${index}.safetensors`, index);
      assert.deepEqual([r.rows, r.totalRows], [selectShard(questions, { index, count: 3 }).rows.length, 12]);
      assert.deepEqual(
        r.failures.map((f) => [f.row, f.image]),
        index === owner ? [[7, broken]] : [],
      );
    }
    assert.equal((await run(`s${owner}.safetensors`, owner)).upToDate, true);

    const merged = await mergeFeatureShards(
      [0, 1, 2].map((i) => join(dir, `s${i}.safetensors`)),
      join(dir, 'merged.safetensors'),
    );
    assert.deepEqual(
      merged.failures.map((f) => f.row),
      [7],
    );
    assert.ok((await readFile(join(dir, 'merged.safetensors'))).equals(await readFile(join(dir, 'all.safetensors'))));
    const failures = JSON.parse(await readFile(join(dir, 'merged.failures.json'), 'utf8'));
    assert.deepEqual([failures.out, failures.skipped, failures.failures[0].row], [join(dir, 'merged.safetensors'), 1, 7]);

    await assert.rejects(
      readFeatures(join(dir, `s${owner}.safetensors`), { images: questions.map((q) => q.image) }),
      (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_FEATURES',
    );
    await assert.rejects(
      extractFeatures({
        questions,
        images: new FolderImageSource(dir),
        encoder: createPixelProjectionEncoder({ imageDim: 16, textDim: 8 }),
        out: join(dir, 'stop.safetensors'),
        progress: false,
        shard: { index: owner, count: 3 },
      }),
      (e: unknown) => e instanceof VizWizError && e.message.startsWith(`image ${broken} (row 7) cannot be decoded (`),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
