/**
 * Golden test of the SigLIP vision tower against transformers 4.44.2 (golden/siglip_vision): last_hidden_state, every
 * hidden state and - when the checkpoint has the head - pooler_output, from `$VIZWIZ_GOLDEN_DIR/siglip_vision`
 * (default the project's fixtures). Every dim comes from config.json and the files; both patch-embedding forms
 * (reshape + MatMul, and Conv) are checked.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { loadSiglipCheckpoint, type LoadedSiglip } from '../../../src/models/siglip/weights.js';
import { siglipVisionModel } from '../../../src/models/siglip/model.js';
import { assertClose, goldenPath, hasGolden, readTensors, tensor, type Tensors } from '../gemma/helpers.js';
import { onTestDevice } from '../../helpers/device.js';

let loaded: LoadedSiglip;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  assert.ok(hasGolden('siglip_vision', ['config.json', 'model.safetensors', 'inputs.safetensors', 'outputs.safetensors']), 'golden siglip_vision/ missing');
  loaded = await loadSiglipCheckpoint(goldenPath('siglip_vision'));
  inputs = await readTensors('siglip_vision', 'inputs.safetensors');
  outputs = await readTensors('siglip_vision', 'outputs.safetensors');
});

for (const patchMethod of ['matmul', 'conv'] as const) {
  test(`last_hidden_state, hidden states and pooler output match transformers (${patchMethod} patches)`, async () => {
    assert.equal(loaded.prefix, 'vision_model.');
    const model = siglipVisionModel(loaded.config, { prefix: loaded.prefix, patchMethod });
    const runner = await InferenceRunner.create(buildInference(model), loaded.weights, onTestDevice());
    const pixels = tensor(inputs, 'pixel_values');
    const out = await runner.run({ pixel_values: Tensor.f32(pixels.data as Float32Array, [...pixels.shape]) });
    const names = [...outputs.keys()].filter((k) => k === 'last_hidden_state' || k === 'pooler_output' || k.startsWith('hidden_states.'));
    assert.ok(names.includes('last_hidden_state'));
    assert.equal(names.includes('pooler_output'), loaded.config.useHead, 'pooler_output present iff the head is');
    const report: Record<string, number> = {};
    for (const name of names) {
      const got = out[name];
      assert.ok(got, `no output ${name}`);
      assert.deepEqual(got.dims, tensor(outputs, name).shape, `${name} shape`);
      report[name] = assertClose(name, got.floats(), tensor(outputs, name).data as Float32Array);
    }
    console.log(`siglip_vision golden max abs diff (${patchMethod}):`, JSON.stringify(report));
    await runner.dispose();
  });
}
