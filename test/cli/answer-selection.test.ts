import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFeatures } from '../../src/features/feature-file.js';
import { finetuneConfig } from '../../src/finetune/config.js';
import { TrainingTargets } from '../../src/finetune/targets.js';
import { Rng } from '../../src/random/rng.js';
import { runVizwiz } from '../helpers/cli.js';
import { record } from '../helpers/records.js';

const rep = (answer: string, n: number): string[] => Array.from({ length: n }, () => answer);

const TIE = [...rep('cat', 3), ...rep('dog', 3), ...rep('cot', 2), ...rep('cut', 2)];

/**
 * Three hand-made records: a 3-3-2-2 tie (cat, dog, cot, cut) whose Levenshtein winner is cat while dog is the more
 * frequent answer in the training set (the second record), then a clear dog and a clear bird.
 */
async function tieData(): Promise<{ annotations: string; features: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-selection-'));
  const records = [
    record('VizWiz_train_00000000.jpg', TIE),
    record('VizWiz_train_00000001.jpg', rep('dog', 10)),
    record('VizWiz_train_00000002.jpg', ['bird']),
  ];
  const annotations = join(dir, 'train.json');
  await writeFile(annotations, JSON.stringify(records));
  const features = join(dir, 'train.safetensors');
  const image = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i + 1));
  await writeFeatures(features, { image: { data: image, rows: 3, dim: 4 }, metadata: { encoder: 'hand-made' } });
  return { annotations, features };
}

async function train(data: { annotations: string; features: string }, selection: string[]): Promise<{ model: any; results: any }> {
  const out = await mkdtemp(join(tmpdir(), 'vizwiz-selection-run-'));
  const r = runVizwiz([
    'train',
    '--model',
    'baseline',
    '--train-annotations',
    data.annotations,
    '--train-features',
    data.features,
    '--val-annotations',
    data.annotations,
    '--val-features',
    data.features,
    '--out',
    out,
    '--epochs',
    '1',
    '--threads',
    '1',
    ...selection,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return {
    model: JSON.parse(await readFile(join(out, 'model.json'), 'utf8')),
    results: JSON.parse(await readFile(join(out, 'results.json'), 'utf8')),
  };
}

describe('vizwiz train --answer-selection', () => {
  it('trains on different targets and vocabularies with seed and deuser (default deuser)', async () => {
    const data = await tieData();
    const byDefault = await train(data, []);
    const deuser = await train(data, ['--answer-selection', 'deuser']);
    const seed = await train(data, ['--answer-selection', 'seed']);
    // deuser: targets dog, dog, bird -> dog twice; cat never becomes a class
    assert.deepEqual(deuser.model.answers, { answers: ['dog', 'bird'], counts: [2, 1], unknown: 'skip' });
    // seed: targets cat, dog, bird -> one each, in code-point order
    assert.deepEqual(seed.model.answers, { answers: ['bird', 'cat', 'dog'], counts: [1, 1, 1], unknown: 'skip' });
    assert.deepEqual(byDefault.model.answers, deuser.model.answers);
    assert.equal(byDefault.results.config.answerSelection, 'deuser');
    assert.equal(deuser.results.config.answerSelection, 'deuser');
    assert.equal(seed.results.config.answerSelection, 'seed');
    assert.equal(seed.model.config.answerSelection, 'seed');
  });

  it('names the rules in --help and refuses an unknown one', () => {
    const help = runVizwiz(['train', '--help']);
    assert.match(
      help.stdout.replace(/\s+/g, ' '),
      /--answer-selection <rule> training target among the ten answers: seed \(the seed report's rule: majority, then the smallest summed Levenshtein distance, then code-point order\); or deuser \(Deuser et al\.'s rule: .*\) \(default: "deuser"\)/,
    );
    const bad = runVizwiz([
      'train',
      '--model',
      'baseline',
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
      '--answer-selection',
      'vote',
    ]);
    assert.equal(bad.status, 2, 'a usage error');
    assert.equal(bad.stderr, 'vizwiz: --answer-selection must be one of seed, deuser, got "vote"\n(run with --help for usage)\n');
  });
});

describe('vizwiz finetune --answer-selection', () => {
  it('picks the fine-tune targets by the rule (default deuser) and refuses an unknown one', () => {
    const records = [record('a.jpg', TIE), record('b.jpg', rep('dog', 10))];
    const targets = (selection: 'seed' | 'deuser') => new TrainingTargets(records, 'most-common', selection).forEpoch(new Rng(0));
    assert.deepEqual(targets('seed'), ['cat', 'dog']);
    assert.deepEqual(targets('deuser'), ['dog', 'dog']);
    assert.equal(finetuneConfig().answerSelection, 'deuser');
    assert.throws(() => finetuneConfig({ answerSelection: 'vote' as never }), { message: 'answerSelection must be one of seed, deuser, got "vote"' });
    const r = runVizwiz([
      'finetune',
      '--model',
      'paligemma',
      '--base',
      'b',
      '--train-annotations',
      'a',
      '--train-images',
      'i',
      '--val-annotations',
      'c',
      '--val-images',
      'd',
      '--out',
      'e',
      '--answer-selection',
      'vote',
    ]);
    assert.equal(r.status, 2, 'a usage error');
    assert.equal(r.stderr, 'vizwiz: --answer-selection must be one of seed, deuser, got "vote"\n(run with --help for usage)\n');
  });
});
