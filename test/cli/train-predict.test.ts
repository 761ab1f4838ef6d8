import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runVizwiz } from '../helpers/cli.js';
import { sampleWithFeatures } from '../helpers/sample-features.js';

describe('vizwiz extract / train / predict / eval', () => {
  it('runs end to end on the sample dataset and the numbers agree', async () => {
    const data = await sampleWithFeatures();
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-cli-train-'));
    const feats = (split: string) => join(out, `${split}.safetensors`);
    for (const split of ['train', 'val']) {
      const r = runVizwiz([
        'extract',
        '--annotations',
        join(data.dir, 'Annotations', `${split}.json`),
        '--images',
        join(data.dir, split),
        '--out',
        feats(split),
      ]);
      assert.equal(r.status, 0, r.stderr);
    }
    const run = join(out, 'run');
    const train = runVizwiz([
      'train',
      '--model',
      'clip-linear',
      '--train-annotations',
      data.train.annotations,
      '--train-features',
      feats('train'),
      '--val-annotations',
      data.val.annotations,
      '--val-features',
      feats('val'),
      '--out',
      run,
      '--epochs',
      '3',
      '--threads',
      '1',
    ]);
    assert.equal(train.status, 0, train.stderr);
    assert.match(train.stderr, /^epoch 1\/3: train loss \d+\.\d{4}, val loss \d+\.\d{4}, val accuracy \d+\.\d{2}/);
    const results = JSON.parse(await readFile(join(run, 'results.json'), 'utf8'));
    assert.equal(train.stdout, `best epoch ${results.best.epoch}: val accuracy ${results.best.valAccuracy.toFixed(2)} (official metric); run folder ${run}\n`);

    const preds = join(out, 'val.predictions.json');
    // The thread count training validated with, so the answers are computed as validation computed them.
    const predict = runVizwiz([
      'predict',
      '--checkpoint',
      run,
      '--annotations',
      data.val.annotations,
      '--features',
      feats('val'),
      '--out',
      preds,
      '--threads',
      '1',
    ]);
    assert.equal(predict.status, 0, predict.stderr);
    const scored = runVizwiz(['eval', '--annotations', data.val.annotations, '--predictions', preds, '--json']);
    assert.equal(scored.status, 0, scored.stderr);
    const summary = JSON.parse(scored.stdout);
    assert.equal(summary.overall, results.best.valAccuracy);
    assert.equal(typeof summary.answerability.average_precision, 'number');
  });

  it('stops before training on features that do not match the annotations', async () => {
    const data = await sampleWithFeatures();
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-cli-bad-'));
    const r = runVizwiz([
      'train',
      '--model',
      'clip-linear',
      '--train-annotations',
      data.train.annotations,
      '--train-features',
      data.val.featuresFile,
      '--val-annotations',
      data.val.annotations,
      '--val-features',
      data.val.featuresFile,
      '--out',
      out,
    ]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `vizwiz: ${data.val.featuresFile}: ${data.val.records.length} feature rows but the annotations have ` +
        `${data.train.records.length} entries (rows must follow annotation order; extract features from the same annotation file)\n`,
    );
  });

  it('rejects bad options with a one-line reason', () => {
    const r = runVizwiz([
      'train',
      '--model',
      'resnet',
      '--train-annotations',
      'a',
      '--train-features',
      'b',
      '--val-annotations',
      'c',
      '--val-features',
      'd',
      '--out',
      'e',
    ]);
    assert.equal(r.status, 2, 'a usage error');
    assert.equal(r.stderr, 'vizwiz: --model must be one of baseline, clip-linear, got "resnet"\n(run with --help for usage)\n');
    const p = runVizwiz(['predict', '--checkpoint', '/nonexistent', '--annotations', 'a', '--features', 'b', '--out', 'c']);
    assert.equal(p.status, 1);
    assert.equal(p.stderr, 'vizwiz: /nonexistent: no model.json; pass the --out folder of a vizwiz train run\n');
  });
});
