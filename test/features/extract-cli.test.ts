/** `vizwiz extract` end to end through the CLI: skip mode with a failures file, up-to-date reruns, option errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFeatures } from '../../src/features/feature-file.js';
import { runVizwiz } from '../helpers/cli.js';
import { makeImageFolder } from './extract-fixture.js';

test('extract --on-corrupt skip writes features and a failures file; a rerun is up to date', async () => {
  const { dir, questions } = await makeImageFolder(6);
  try {
    const annotations = join(dir, 'test.json');
    await writeFile(annotations, JSON.stringify(questions));
    await writeFile(join(dir, 'img_002.jpg'), 'not a jpeg');
    const out = join(dir, 'test.safetensors');
    const args = [
      'extract',
      '--annotations',
      annotations,
      '--images',
      dir,
      '--out',
      out,
      '--image-dim',
      '16',
      '--text-dim',
      '8',
      '--on-corrupt',
      'skip',
      '--batch-size',
      '4',
    ];
    const r = runVizwiz(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `extract: 6 rows -> ${out}\nextract: 1 image(s) skipped with zero features; listed in ${join(dir, 'test.failures.json')}\n`);
    const features = await readFeatures(out, { requireText: true });
    assert.deepEqual([features.image.rows, features.image.dim, features.text?.dim], [6, 16, 8]);
    const failures = JSON.parse(await readFile(join(dir, 'test.failures.json'), 'utf8'));
    assert.deepEqual(
      failures.failures.map((f: { image: string }) => f.image),
      ['img_002.jpg'],
    );
    const again = runVizwiz(args);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /is up to date \(6 rows\); nothing to do/);

    const stop = runVizwiz([...args.slice(0, 5), '--out', join(dir, 'stop.safetensors')]);
    assert.equal(stop.status, 1);
    assert.match(stop.stderr, /^vizwiz: image img_002\.jpg \(row 2\) cannot be decoded \(.*\); replace or remove it, or rerun with --on-corrupt skip/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('extract refuses pixel-projection options for other encoders before loading anything', () => {
  const base = ['extract', '--annotations', 'a.json', '--images', 'imgs', '--out', 'o.safetensors'];
  const dim = runVizwiz([...base, '--encoder', 'resnet50', '--image-dim', '8']);
  assert.equal(dim.status, 2, 'a usage error');
  assert.equal(dim.stderr, 'vizwiz: --image-dim applies to --encoder pixel-projection only\n(run with --help for usage)\n');
});
