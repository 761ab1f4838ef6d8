/**
 * `vizwiz compare --on-corrupt stop|skip` on a release folder with an undecodable validation image: stop names the
 * folder, the image and the option to use; skip gives the heads zero features and PaliGemma a blank image, and says so.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCompare } from '../../src/compare/run.js';
import { generateSample } from '../../src/data/sample/index.js';
import type { VizWizRecord } from '../../src/data/types.js';
import { VizWizError } from '../../src/errors.js';
import { writeTinyPaligemma } from '../helpers/tiny-paligemma.js';
import { writeTinyResnet } from '../../src/models/resnet/tiny.js';
import { runVizwiz } from '../helpers/cli.js';

let root: string;
let data: string;
let broken: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizwiz-compare-corrupt-'));
  data = join(root, 'release');
  await generateSample({ out: data, n: 120, seed: 0 });
  await writeTinyResnet(join(root, 'resnet'), 2);
  await writeTinyPaligemma(join(root, 'paligemma'), 3);
  const val = JSON.parse(await readFile(join(data, 'Annotations', 'val.json'), 'utf8')) as VizWizRecord[];
  broken = val[0]!.image;
  await writeFile(join(data, 'val', broken), 'not a JPEG');
});

describe('vizwiz compare --on-corrupt', () => {
  it('stops at an undecodable image, naming the folder, the image and --on-corrupt skip', () => {
    const r = runVizwiz([
      'compare',
      '--data',
      data,
      '--smoke',
      '--models',
      'baseline',
      '--resnet-model',
      join(root, 'resnet'),
      '--out',
      join(root, 'stop'),
      '--threads',
      '1',
    ]);
    assert.equal(r.status, 1);
    const prefix = `vizwiz: ${join(data, 'val')}: image ${broken} (row 0) cannot be decoded (`;
    const last = r.stderr.slice(r.stderr.lastIndexOf('vizwiz: '));
    assert.ok(last.startsWith(prefix), r.stderr);
    assert.match(
      last.slice(prefix.length),
      /^[^\n]+\); replace or remove it, or rerun with --on-corrupt skip to give it zero features and list it in a failures file \(finished batches are kept\)\n$/,
    );
  });

  it('stops PaliGemma at the same image with the same advice', async () => {
    await assert.rejects(
      runCompare({
        out: join(root, 'stop-paligemma'),
        data,
        models: ['paligemma'],
        paligemmaModel: join(root, 'paligemma'),
        device: 'cpu',
        threads: 1,
        smoke: true,
        augment: false,
        seed: 0,
        onCorrupt: 'stop',
        log: () => {},
      }),
      (err: unknown) =>
        err instanceof VizWizError &&
        err.message.startsWith(`${join(data, 'val')}: image ${broken} cannot be decoded (`) &&
        err.message.endsWith('); replace or remove it, or rerun with --on-corrupt skip to use a blank image in its place'),
    );
  });

  it('skips it: zero features for the heads, a blank image for PaliGemma, both logged', async () => {
    const lines: string[] = [];
    const out = join(root, 'skip');
    const summary = await runCompare({
      out,
      data,
      models: ['baseline', 'paligemma'],
      resnetModel: join(root, 'resnet'),
      paligemmaModel: join(root, 'paligemma'),
      device: 'cpu',
      threads: 1,
      smoke: true,
      augment: false,
      seed: 0,
      onCorrupt: 'skip',
      log: (line) => lines.push(line),
    });
    const skipped = lines.find((l) => l.startsWith(`features: 1 image(s) of ${join(data, 'val')} skipped with zero features; listed in `));
    assert.ok(skipped, lines.join('\n'));
    const failures = skipped.slice(skipped.lastIndexOf(' ') + 1);
    assert.match(failures, new RegExp(`^${join(out, 'features')}/val\\.resnet50-[0-9a-f]{16}\\.failures\\.json$`));
    assert.ok(lines.includes(`paligemma: 1 image(s) of ${join(data, 'val')} replaced by a blank image: ${broken}`), lines.join('\n'));
    const listed = JSON.parse(await readFile(failures, 'utf8')) as { failures: { image: string }[] };
    assert.deepEqual(
      listed.failures.map((f) => f.image),
      [broken],
    );
    assert.deepEqual(
      summary.document.models.map((m) => m.id),
      ['baseline', 'paligemma'],
    );
    assert.equal(summary.document.questions, 16);
  });
});
