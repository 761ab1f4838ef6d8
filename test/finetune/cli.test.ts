/**
 * The command line of PaliGemma fine-tuning and prediction: `vizwiz finetune --model paligemma` on the tiny checkpoint
 * and the sample dataset, `vizwiz predict --model paligemma` with the best adapter and zero-shot, and `vizwiz eval`
 * accepting the submission and scoring it at the fine-tune's recorded accuracy. Missing or misplaced options are
 * one-line errors; `vizwiz predict` without --model keeps the heads' behaviour.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runVizwiz } from '../helpers/cli.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

describe('vizwiz finetune / predict --model paligemma', () => {
  let data: TinyFinetuneData;
  before(async () => {
    data = await tinyFinetuneData();
  });

  it('fine-tunes, predicts with the best adapter and zero-shot, and vizwiz eval accepts the submissions', async () => {
    const run = join(data.dir, 'cli-run');
    const ft = runVizwiz([
      'finetune',
      '--model',
      'paligemma',
      '--base',
      data.model,
      '--train-annotations',
      data.train.annotations,
      '--train-images',
      data.train.imagesDir,
      '--val-annotations',
      data.val.annotations,
      '--val-images',
      data.val.imagesDir,
      '--out',
      run,
      '--epochs',
      '2',
      '--lr',
      '3e-3',
      '--batch-size',
      '8',
      '--grad-accum',
      '1',
      '--lora-r',
      '4',
      '--threads',
      '2',
    ]);
    assert.equal(ft.status, 0, ft.stderr);
    assert.match(ft.stderr, /^zero-shot: val loss \d+\.\d{4}, val accuracy \d+\.\d{2}\n/);
    assert.match(ft.stderr, /^epoch 1: update 27\/27, loss \d+\.\d{4}$/m);
    assert.match(ft.stderr, /^epoch 2\/2: train loss \d+\.\d{4}, val loss \d+\.\d{4}, val accuracy \d+\.\d{2}/m);
    const results = JSON.parse(await readFile(join(run, 'results.json'), 'utf8'));
    assert.equal(
      ft.stdout,
      `best epoch ${results.best.epoch}: val accuracy ${results.best.valAccuracy.toFixed(2)} (official metric); adapter in ${run}/best\n`,
    );
    assert.equal(results.config.lora.r, 4);
    assert.deepEqual(results.prompt, { id: 'answer-en-v1', template: 'answer en {question}' });

    const preds = join(data.dir, 'cli-preds.json');
    const predict = runVizwiz([
      'predict',
      '--model',
      'paligemma',
      '--base',
      data.model,
      '--adapter',
      join(run, 'best'),
      '--annotations',
      data.val.annotations,
      '--images',
      data.val.imagesDir,
      '--out',
      preds,
      '--threads',
      '2',
    ]);
    assert.equal(predict.status, 0, predict.stderr);
    assert.equal(predict.stderr, `predict: ${data.val.records.length} answers -> ${preds}\n`);
    const scored = runVizwiz(['eval', '--annotations', data.val.annotations, '--predictions', preds, '--json']);
    assert.equal(scored.status, 0, scored.stderr);
    const summary = JSON.parse(scored.stdout);
    assert.equal(summary.overall, results.best.valAccuracy);
    assert.equal(typeof summary.answerability.average_precision, 'number');

    const zeroShot = join(data.dir, 'cli-zero-shot.json');
    const zs = runVizwiz([
      'predict',
      '--model',
      'paligemma',
      '--base',
      data.model,
      '--annotations',
      data.val.annotations,
      '--images',
      data.val.imagesDir,
      '--out',
      zeroShot,
      '--threads',
      '2',
    ]);
    assert.equal(zs.status, 0, zs.stderr);
    const zsScored = runVizwiz(['eval', '--annotations', data.val.annotations, '--predictions', zeroShot, '--json']);
    assert.equal(zsScored.status, 0, zsScored.stderr);
    assert.equal(JSON.parse(zsScored.stdout).overall, results.zeroShot.valAccuracy);
  });

  it('names what is missing or misplaced', () => {
    const a = data.val.annotations;
    const cases: [string[], string][] = [
      [
        ['predict', '--model', 'paligemma', '--annotations', a, '--out', 'x.json', '--images', data.val.imagesDir],
        'vizwiz: --base is required with --model paligemma\n(run with --help for usage)\n',
      ],
      [
        ['predict', '--model', 'paligemma', '--base', data.model, '--checkpoint', 'run', '--annotations', a, '--images', data.val.imagesDir, '--out', 'x.json'],
        'vizwiz: --checkpoint does not apply to --model paligemma\n(run with --help for usage)\n',
      ],
      [['predict', '--annotations', a, '--out', 'x.json'], 'vizwiz: --checkpoint is required with --model head\n(run with --help for usage)\n'],
      [
        [
          'finetune',
          '--model',
          'paligemma',
          '--base',
          data.model,
          '--train-annotations',
          a,
          '--train-images',
          data.val.imagesDir,
          '--val-annotations',
          a,
          '--val-images',
          data.val.imagesDir,
          '--out',
          'x',
          '--target',
          'first',
        ],
        'vizwiz: --target must be one of most-common, random, got "first"\n(run with --help for usage)\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = runVizwiz(args);
      assert.equal(r.status, 2, `a usage error: ${args.join(' ')}`);
      assert.equal(r.stderr, stderr);
    }
  });
});
