import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { selectTargets } from '../../src/data/answer-selection.js';
import { evaluate } from '../../src/eval/index.js';
import { trainConfig, type HeadName } from '../../src/train/config.js';
import { predictHead } from '../../src/train/predict.js';
import { trainHead, type EpochRecord } from '../../src/train/trainer.js';
import { sampleWithFeatures, type SampleWithFeatures } from '../helpers/sample-features.js';

/** Accuracy of always answering the most common training target. */
function majorityAccuracy(data: SampleWithFeatures): number {
  const counts = new Map<string, number>();
  for (const t of selectTargets(data.train.records, 'deuser')) counts.set(t.answer, (counts.get(t.answer) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  return evaluate(data.val.records, data.val.records.map((r) => ({ image: r.image, answer: majority })), {}).overall;
}

async function train(head: HeadName, epochs: number, out: string, epochBudget?: number) {
  const data = await sampleWithFeatures();
  return trainHead({
    out,
    config: trainConfig(head, { epochs, lr: head === 'baseline' ? 0.002 : 0.005, seed: 5, threads: 1 }),
    train: { records: data.train.records, features: data.train.features, source: data.train.featuresFile },
    val: { records: data.val.records, features: data.val.features, source: data.val.featuresFile },
    ...(epochBudget !== undefined ? { epochBudget } : {}),
  });
}

const withoutTime = (h: EpochRecord[]) => h.map(({ seconds: _s, ...rest }) => rest);

describe('training the heads on the sample dataset', () => {
  for (const head of ['clip-linear', 'baseline'] as const) {
    it(`${head}: validation accuracy rises well above the majority answer, and predict reproduces it`, async () => {
      const data = await sampleWithFeatures();
      const out = await mkdtemp(join(tmpdir(), `vizwiz-${head}-`));
      const result = await train(head, 12, out);
      assert.equal(result.completed, true);
      assert.equal(result.history.length, 12);
      const majority = majorityAccuracy(data);
      const best = result.best!;
      assert.ok(best.valAccuracy > majority + 10, `best ${best.valAccuracy} vs majority ${majority}`);
      assert.ok(result.history[11]!.trainLoss < result.history[0]!.trainLoss);

      const saved = JSON.parse(await readFile(join(out, 'history.json'), 'utf8')) as EpochRecord[];
      assert.deepEqual(withoutTime(saved), withoutTime(result.history));
      const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
      assert.deepEqual(results.best, best);

      const predictions = await predictHead({
        checkpoint: out,
        questions: data.val.records,
        features: data.val.features,
        source: data.val.featuresFile,
      });
      assert.equal(evaluate(data.val.records, predictions, {}).overall, best.valAccuracy);
      assert.ok(predictions.every((p) => p.answerable !== undefined && p.answerable > 0 && p.answerable < 1));
    });
  }

  it('resumes after an interruption with the same result as an uninterrupted run', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'vizwiz-whole-'));
    const parts = await mkdtemp(join(tmpdir(), 'vizwiz-parts-'));
    const uninterrupted = await train('clip-linear', 4, whole);
    const first = await train('clip-linear', 4, parts, 2);
    assert.equal(first.completed, false);
    assert.equal(first.history.length, 2);
    const resumed = await train('clip-linear', 4, parts);
    assert.equal(resumed.completed, true);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(uninterrupted.history));
    assert.deepEqual(
      await readFile(join(parts, 'best', 'params.safetensors')),
      await readFile(join(whole, 'best', 'params.safetensors')),
    );
  });

  it('refuses to resume a run folder that holds another configuration', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-mismatch-'));
    await train('clip-linear', 1, out);
    await assert.rejects(train('baseline', 1, out), {
      code: 'INVALID_CHECKPOINT',
      message: `${out} holds a run with another configuration or data; use a new --out folder or remove ${out}`,
    });
  });
});
