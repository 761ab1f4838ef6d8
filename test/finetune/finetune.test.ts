/**
 * A LoRA fine-tune of the tiny PaliGemma on the sample dataset (src/finetune/finetune.ts), end to end: validation
 * accuracy (official metric) rises from the base model's zero-shot value, the validation loss falls, the run folder
 * holds history.json, results.json (prompt template id and text, config, seed, provenance) and the best epoch's adapter
 * in PEFT format, and predicting with that adapter (predictPaligemma) reproduces the recorded validation accuracy.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { evaluate } from '../../src/eval/evaluate.js';
import { finetunePaligemma, predictPaligemma, type FinetuneResult } from '../../src/finetune/index.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadAdapter } from '../../src/models/lora/peft-io.js';
import { paligemmaLinears } from '../../src/models/lora/targets.js';
import { loadPaligemmaCheckpoint } from '../../src/models/paligemma/weights.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

describe('finetunePaligemma on the tiny PaliGemma', () => {
  let data: TinyFinetuneData;
  let out: string;
  let result: FinetuneResult;
  let seconds: number;

  before(async () => {
    data = await tinyFinetuneData();
    out = join(data.dir, 'run');
    const started = performance.now();
    result = await finetunePaligemma({
      out,
      base: data.model,
      train: { records: data.train.records, images: data.train.images },
      val: { records: data.val.records, images: data.val.images },
      config: { lr: 3e-3, epochs: 6, batchSize: 8, gradAccum: 1, threads: 2 },
    });
    seconds = (performance.now() - started) / 1000;
  });

  it('raises validation accuracy above zero-shot and lowers the validation loss', () => {
    const zero = result.history[0];
    const last = result.history[result.history.length - 1];
    assert.ok(zero && last && result.best);
    assert.equal(zero.epoch, 0);
    assert.equal(result.history.length, 7);
    console.log(
      `tiny PaliGemma LoRA fine-tune (${data.train.records.length} train / ${data.val.records.length} val, 6 epochs, ${seconds.toFixed(1)} s): ` +
        `val accuracy ${zero.valAccuracy} zero-shot -> ${result.best.valAccuracy} best (epoch ${result.best.epoch}); ` +
        `val loss ${zero.valLoss.toFixed(3)} -> ${last.valLoss.toFixed(3)}`,
    );
    assert.ok(result.best.valAccuracy > zero.valAccuracy + 10, `accuracy ${zero.valAccuracy} -> ${result.best.valAccuracy}`);
    assert.ok(last.valLoss < 0.5 * zero.valLoss, `val loss ${zero.valLoss} -> ${last.valLoss}`);
    assert.ok(result.completed);
  });

  it('writes history.json and results.json with the prompt, config, seed and provenance', async () => {
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    assert.deepEqual(history, result.history);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.equal(results.task, 'finetune');
    assert.equal(results.model, 'paligemma');
    assert.deepEqual(results.prompt, { id: 'answer-en-v1', template: 'answer en {question}' });
    assert.equal(results.metric, 'official');
    assert.equal(results.seed, 0);
    assert.equal(results.config.lr, 3e-3);
    assert.deepEqual(results.config.lora, {
      r: 8,
      alpha: 8,
      dropout: 0,
      targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    });
    assert.deepEqual(results.best, result.best);
    assert.equal(results.zeroShot.epoch, 0);
    assert.equal(results.provenance.node, process.version);
    assert.equal(typeof results.provenance.dependencies['onnxruntime-node'], 'string');
  });

  it('saves the best adapter in PEFT format, and predicting with it reproduces the recorded accuracy', async () => {
    const best = join(out, 'best');
    const peft = JSON.parse(await readFile(join(best, ADAPTER_CONFIG), 'utf8'));
    assert.equal(peft.peft_type, 'LORA');
    assert.equal(peft.base_model_name_or_path, data.model);
    await readFile(join(best, ADAPTER_WEIGHTS));
    const m = await loadPaligemmaCheckpoint(data.model);
    const adapter = await loadAdapter(best, paligemmaLinears(m.config, m.prefixes));
    assert.equal(adapter.set.modules.length, 2 * 3 + 2 * 7); // SigLIP q/k/v and Gemma's seven projections, 2 layers each
    assert.ok(
      [...adapter.tensors].some(([name, t]) => name.endsWith('lora_B.weight') && t.some((x) => x !== 0)),
      'B matrices trained',
    );

    const predictions = await predictPaligemma({
      base: data.model,
      adapter: best,
      questions: data.val.records,
      images: data.val.images,
      batchSize: 16,
      threads: 2,
    });
    const scored = evaluate(data.val.records, predictions, { metric: 'official' });
    assert.equal(scored.overall, result.best?.valAccuracy);
    for (const p of predictions) assert.ok(p.answerable !== undefined && p.answerable >= 0 && p.answerable <= 1, `answerable ${p.answerable}`);
    assert.ok(scored.answerability, 'answerability scored');
  });
});
