/**
 * Golden test of the Gemma decoder against transformers 4.44.2 (golden/gemma): logits, the shifted causal-LM loss and
 * every hidden state the golden has, from `$VIZWIZ_GOLDEN_DIR/gemma` (default the project's fixtures). Every dim comes
 * from config.json and the files. The same logits are checked through the inputs_embeds path (PaliGemma's entry).
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { causalLmLoss } from '../../../src/models/gemma/loss.js';
import { gemmaModel } from '../../../src/models/gemma/model.js';
import { loadGemmaCheckpoint } from '../../../src/models/gemma/weights.js';
import { onTestDevice } from '../../helpers/device.js';
import { assertClose, forwardFeeds, goldenPath, readConfig, readTensors, tensor, type Tensors } from './helpers.js';

let config: GemmaConfig;
let weights: Map<string, Float32Array>;
let prefix: string;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  config = await readConfig('gemma');
  ({ weights, prefix } = await loadGemmaCheckpoint(goldenPath('gemma')));
  inputs = await readTensors('gemma', 'inputs.safetensors');
  outputs = await readTensors('gemma', 'outputs.safetensors');
});

test('logits, loss and hidden states match transformers', async () => {
  const hiddenNames = [...outputs.keys()].filter((k) => k.startsWith('hidden_states.'));
  const withLoss = inputs.has('labels') && outputs.has('loss');
  const model = gemmaModel(config, { prefix, hiddenStates: hiddenNames.length > 0 });
  const runner = await InferenceRunner.create(buildInference(model, withLoss ? { loss: causalLmLoss() } : {}), weights, onTestDevice());
  const { feeds } = forwardFeeds(inputs);
  if (withLoss) feeds.labels = Tensor.i64(tensor(inputs, 'labels').data as BigInt64Array, [...tensor(inputs, 'labels').shape]);
  const out = await runner.run(feeds);
  const report: Record<string, number> = {};
  for (const name of ['logits', ...(withLoss ? ['loss'] : []), ...hiddenNames]) {
    const got = out[name];
    assert.ok(got, `no output ${name}`);
    assert.deepEqual(got.dims, tensor(outputs, name).shape, `${name} shape`);
    report[name] = assertClose(name, got.floats(), tensor(outputs, name).data as Float32Array);
  }
  if (hiddenNames.length > 0) assert.equal(hiddenNames.length, config.layers + 1, 'HF returns L + 1 hidden states');
  console.log('gemma golden max abs diff:', JSON.stringify(report));
  await runner.dispose();
});

test('inputs_embeds (unscaled embedding rows) give the same logits as input_ids', async () => {
  const runner = await InferenceRunner.create(
    buildInference(gemmaModel(config, { prefix, input: 'embeds' }), { outputs: ['logits'] }),
    weights,
    onTestDevice(),
  );
  const { feeds, batch, length } = forwardFeeds(inputs);
  const ids = feeds.input_ids?.data as BigInt64Array;
  const table = weights.get(`${prefix}embed_tokens.weight`) as Float32Array;
  const embeds = new Float32Array(batch * length * config.hidden);
  ids.forEach((id, i) => embeds.set(table.subarray(Number(id) * config.hidden, (Number(id) + 1) * config.hidden), i * config.hidden));
  delete feeds.input_ids;
  feeds.inputs_embeds = Tensor.f32(embeds, [batch, length, config.hidden]);
  const out = await runner.run(feeds);
  assertClose('logits via inputs_embeds', out.logits!.floats(), tensor(outputs, 'logits').data as Float32Array);
  await runner.dispose();
});
