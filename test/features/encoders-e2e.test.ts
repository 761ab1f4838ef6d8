/**
 * Extraction + training end to end on the sample dataset with tiny random encoders of the real architectures,
 * loaded through the registry from checkpoint folders, as a user would run them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readFeatures } from '../../src/features/feature-file.js';
import { runVizwiz } from '../helpers/cli.js';
import { sampleWithFeatures, type SampleWithFeatures } from '../helpers/sample-features.js';
import { writeTinyClip, writeTinyResnet } from '../helpers/tiny-checkpoints.js';

let data: SampleWithFeatures;
let work: string;

before(async () => {
  data = await sampleWithFeatures();
  work = await mkdtemp(join(tmpdir(), 'vizwiz-e2e-'));
});

function extract(encoder: string, model: string, split: 'train' | 'val'): string {
  const out = join(work, `${split}.${encoder}.safetensors`);
  const r = runVizwiz([
    'extract',
    '--encoder',
    encoder,
    '--model',
    model,
    '--annotations',
    data[split].annotations,
    '--images',
    join(data.dir, split),
    '--out',
    out,
    '--threads',
    '1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

function train(head: string, trainFeatures: string, valFeatures: string, out: string): { status: number | null; stderr: string } {
  return runVizwiz([
    'train',
    '--model',
    head,
    '--train-annotations',
    data.train.annotations,
    '--train-features',
    trainFeatures,
    '--val-annotations',
    data.val.annotations,
    '--val-features',
    valFeatures,
    '--out',
    out,
    '--epochs',
    '6',
    '--threads',
    '1',
  ]);
}

describe('extraction with the real architectures feeds training', () => {
  it('clip-vit-l14-336 (tiny random weights): image and question embeddings -> clip-linear head', async () => {
    const model = await writeTinyClip(join(work, 'tiny-clip'));
    const trainFile = extract('clip-vit-l14-336', model, 'train');
    const valFile = extract('clip-vit-l14-336', model, 'val');
    const features = await readFeatures(trainFile, { requireText: true, images: data.train.records.map((r) => r.image) });
    assert.deepEqual([features.image.rows, features.image.dim, features.text?.dim], [data.train.records.length, 64, 64]);
    assert.equal(features.metadata.encoder, 'clip-vit-l14-336');
    // normalised embeddings (Deuser et al.): every row has unit length
    const row = features.image.data.subarray(0, 64);
    assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5);

    const out = join(work, 'run-clip');
    const r = train('clip-linear', trainFile, valFile, out);
    assert.equal(r.status, 0, r.stderr);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8')) as { trainLoss: number }[];
    assert.equal(history.length, 6);
    assert.ok(history[5]!.trainLoss < history[0]!.trainLoss);
  });

  it('resnet50 (tiny random weights): pooled image features -> baseline head with its own question encoding', async () => {
    const model = await writeTinyResnet(join(work, 'tiny-resnet'));
    const trainFile = extract('resnet50', model, 'train');
    const valFile = extract('resnet50', model, 'val');
    const features = await readFeatures(valFile, { images: data.val.records.map((r) => r.image) });
    assert.deepEqual([features.image.rows, features.image.dim, features.text], [data.val.records.length, 128, undefined]);
    assert.equal(features.metadata.encoder, 'resnet50');

    const out = join(work, 'run-resnet');
    const r = train('baseline', trainFile, valFile, out);
    assert.equal(r.status, 0, r.stderr);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8')) as { trainLoss: number }[];
    assert.equal(history.length, 6);
    assert.ok(history[5]!.trainLoss < history[0]!.trainLoss);
  });
});
