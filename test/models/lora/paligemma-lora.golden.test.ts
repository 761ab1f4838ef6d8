/**
 * PEFT LoRA on the tiny PaliGemma against peft 0.12 / transformers 4.44.2 (golden/paligemma_lora, base model from
 * golden/paligemma): the saved PEFT adapter loads (config + tensors), the LoRA training step reproduces the loss and
 * EVERY adapter gradient (SigLIP q/k/v included, so gradients cross the merge and the vision tower), and the adapted
 * forward reproduces the logits. Gradients are compared per tensor: max |ours - PEFT| / max |PEFT| <= 1e-4.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { causalLmLoss } from '../../../src/models/gemma/loss.js';
import { paligemmaLoraModel } from '../../../src/models/lora/paligemma-lora.js';
import { loadAdapter, type LoadedAdapter } from '../../../src/models/lora/peft-io.js';
import { paligemmaLinears } from '../../../src/models/lora/targets.js';
import { LoraTrainer } from '../../../src/models/lora/trainer.js';
import { paligemmaFeeds } from '../../../src/models/paligemma/feeds.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { absMax, assertClose, goldenPath, hasGolden, maxAbsDiff, readTensors, tensor, type Tensors } from '../gemma/helpers.js';
import { assertCloseReal, goldenBatch } from '../paligemma/helpers.js';
import { onTestDevice } from '../../helpers/device.js';
import { TOL } from '../../helpers/tolerance.js';

const GRAD_TOL = TOL.gradient;
let m: LoadedPaliGemma;
let adapter: LoadedAdapter;
let inputs: Tensors;
let outputs: Tensors;
let grads: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(
    hasGolden('paligemma_lora', ['adapter_config.json', 'adapter_model.safetensors', 'inputs.safetensors', 'outputs.safetensors', 'grads.safetensors']),
    'golden paligemma_lora/ missing',
  );
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  adapter = await loadAdapter(goldenPath('paligemma_lora'), paligemmaLinears(m.config, m.prefixes));
  inputs = await readTensors('paligemma_lora', 'inputs.safetensors');
  outputs = await readTensors('paligemma_lora', 'outputs.safetensors');
  grads = await readTensors('paligemma_lora', 'grads.safetensors');
});

test('the PEFT adapter loads: config, targeted modules (SigLIP q/k/v included) and every tensor', () => {
  const names = [...grads.keys()].sort();
  assert.deepEqual([...adapter.tensors.keys()].sort(), names, 'adapter tensors = the golden gradient names');
  assert.ok(
    adapter.set.modules.some((x) => x.module.startsWith(m.prefixes.vision)),
    'vision q/k/v adapted',
  );
  assert.ok(!adapter.set.modules.some((x) => /out_proj|fc1|fc2|multi_modal_projector/u.test(x.module)), 'SigLIP out_proj/fc1/fc2 and the projector are not');
});

test('the LoRA step reproduces the loss and every adapter gradient', async () => {
  const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, adapter.set, adapter.tensors, { exposeGradients: true, session: onTestDevice() });
  const res = await trainer.step(goldenBatch(inputs, ''), 0);
  const expected = (tensor(outputs, 'loss').data as Float32Array)[0] as number;
  const dLoss = assertClose('loss', [res.loss], [expected]);
  let worst = 0;
  for (const [name, g] of grads) {
    const got = res.grads.get(name);
    assert.ok(got, `no gradient for ${name}`);
    const rel = maxAbsDiff(got, g.data as Float32Array) / Math.max(absMax(g.data as Float32Array), 1e-30);
    assert.ok(rel <= GRAD_TOL, `${name}: relative gradient error ${rel}`);
    worst = Math.max(worst, rel);
  }
  console.log(`paligemma_lora: loss diff ${dLoss}, ${grads.size} adapter gradients, worst relative error ${worst.toExponential(2)}`);
  await trainer.dispose();
});

test('the adapted forward reproduces the logits (real positions)', async () => {
  const model = paligemmaLoraModel(m.config, m.prefixes, adapter.set, { lossRows: false });
  const runner = await InferenceRunner.create(
    buildInference(model, { outputs: ['logits'], loss: causalLmLoss() }),
    new Map([...m.weights, ...adapter.tensors]),
    onTestDevice(),
  );
  const b = goldenBatch(inputs, '');
  const out = await runner.run(paligemmaFeeds(m.config, b, { loss: 'labels' }));
  const d = assertCloseReal('logits', out.logits?.data as Float32Array, tensor(outputs, 'logits').data as Float32Array, b.attentionMask, m.config.text.vocab);
  assertClose('loss (full logits)', out.loss?.data as Float32Array, tensor(outputs, 'loss').data as Float32Array);
  console.log(`paligemma_lora logits max abs diff ${d}`);
  await runner.dispose();
});
