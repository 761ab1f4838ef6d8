import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSplitQuality } from '../../src/data/quality-layout.js';
import { evaluateQualityHead, loadQualityHead, trainQualityHead, type QualityRunRecord, type QualitySplitInput } from '../../src/train/quality.js';
import { sampleWithFeatures, type SampleSplit } from '../helpers/sample-features.js';

let out: string;
let train: QualitySplitInput;
let val: QualitySplitInput;
let record: QualityRunRecord;

async function input(dir: string, split: SampleSplit, name: 'train' | 'val'): Promise<QualitySplitInput> {
  return { images: split.records.map((r) => r.image), features: split.features, quality: await loadSplitQuality(dir, name), source: split.featuresFile };
}

before(async () => {
  const s = await sampleWithFeatures();
  out = await mkdtemp(join(tmpdir(), 'vizwiz-quality-'));
  train = await input(s.dir, s.train, 'train');
  val = await input(s.dir, s.val, 'val');
  record = await trainQualityHead({ out, train, val, config: { epochs: 25 } });
});

after(async () => rm(out, { recursive: true, force: true }));

describe('quality head training', () => {
  it('learns the sample defects from pixel-projection features: AP well above prevalence, undefined for absent flaws', () => {
    const byFlag = Object.fromEntries(record.evaluation.flags.map((s) => [s.flag, s]));
    assert.deepEqual(
      record.evaluation.flags.map((s) => s.flag),
      ['blur', 'too_dark', 'too_bright', 'framing', 'obstruction', 'rotation', 'unrecognizable'],
    );
    assert.equal(record.evaluation.rows, 90);
    assert.equal(record.evaluation.missing, 0);
    for (const absent of ['too_bright', 'obstruction', 'rotation']) {
      assert.deepEqual(byFlag[absent], { flag: absent, positives: 0, average_precision: null });
    }
    // Near-darkness is unmistakable; the others must clear their prevalence (the AP of a random ranking) by a margin.
    assert.ok(byFlag.too_dark!.average_precision! > 0.95, `too_dark AP ${byFlag.too_dark!.average_precision}`);
    for (const flag of ['framing', 'unrecognizable']) {
      const s = byFlag[flag]!;
      assert.ok(s.positives > 0);
      assert.ok(s.average_precision! > s.positives / 90 + 0.2, `${flag} AP ${s.average_precision} vs prevalence ${s.positives / 90}`);
    }
    const present = record.evaluation.flags.filter((s) => s.average_precision !== null).map((s) => s.average_precision!);
    assert.equal(record.evaluation.mean_average_precision, present.reduce((a, b) => a + b, 0) / present.length);
    assert.equal(record.history.length, 25);
    assert.equal(record.encoder.encoder, 'pixel-projection');
  });

  it('re-evaluates the saved best parameters to the recorded scores', async () => {
    const again = await evaluateQualityHead(out, val);
    record.evaluation.flags.forEach((s, k) => {
      const a = again.flags[k]!;
      assert.equal(a.positives, s.positives);
      if (s.average_precision === null) assert.equal(a.average_precision, null);
      else assert.ok(Math.abs(a.average_precision! - s.average_precision) < 1e-6, s.flag);
    });
  });

  it('returns a finished run with the same fingerprint as it is, and retrains when the settings change', async () => {
    const before = (await stat(join(out, 'best', 'params.safetensors'))).mtimeMs;
    const same = await trainQualityHead({ out, train, val, config: { epochs: 25 } });
    assert.deepEqual(same, record);
    assert.equal((await stat(join(out, 'best', 'params.safetensors'))).mtimeMs, before);
    const lines: string[] = [];
    const other = await trainQualityHead({ out, train, val, config: { epochs: 2 }, log: (l) => lines.push(l) });
    assert.equal(other.history.length, 2);
    assert.equal(lines[0], `quality: ${out} holds a head trained on other data or settings; retraining`);
    const { record: loaded, predictor } = await loadQualityHead(out);
    await predictor.dispose();
    assert.equal(loaded.fingerprint, other.fingerprint);
  });

  it('refuses features that do not match the split', async () => {
    await assert.rejects(trainQualityHead({ out, train: { ...train, images: train.images.slice(1) }, val }), {
      message: `${train.source}: ${train.images.length} feature rows but the training split has ${train.images.length - 1} questions`,
    });
    await assert.rejects(trainQualityHead({ out, train: { ...train, quality: [] }, val }), {
      message: `no training image has a quality entry (${train.images.length} questions, 0 quality entries): are these the same split's annotations?`,
    });
  });
});
