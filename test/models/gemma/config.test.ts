/** Config parsing (GemmaForCausalLM and PaliGemma text_config, defaults, errors), weight-name prefixes, masks and positions. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemmaConfigFromHf } from '../../../src/models/gemma/config.js';
import { causalBias, MASKED, paddedPositions, bidirectionalBias, stepBias } from '../../../src/models/gemma/masks.js';
import { detectGemmaPrefix, gemmaNames, gemmaParamSpecs } from '../../../src/models/gemma/names.js';

test('a PaliGemma-3B text_config takes GemmaConfig defaults for what it omits', () => {
  const c = gemmaConfigFromHf({
    bos_token_id: 2,
    eos_token_id: 1,
    pad_token_id: 0,
    text_config: {
      hidden_size: 2048,
      intermediate_size: 16384,
      model_type: 'gemma',
      num_attention_heads: 8,
      num_hidden_layers: 18,
      num_image_tokens: 256,
      num_key_value_heads: 1,
      vocab_size: 257216,
    },
  });
  assert.deepEqual(c, {
    vocab: 257216,
    hidden: 2048,
    layers: 18,
    heads: 8,
    kvHeads: 1,
    headDim: 256,
    intermediate: 16384,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    activation: 'tanh',
    bosTokenId: 2,
    eosTokenId: 1,
    padTokenId: 0,
    initializerRange: 0.02,
  });
  const params = gemmaParamSpecs(c, 'language_model.model.').reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(params, 2508662784, 'the manifest counts 2,508,662,784 language-model parameters');
});

test('config errors say what is wrong', () => {
  assert.throws(() => gemmaConfigFromHf({ hidden_activation: 'relu' }), /activation 'relu' is not supported/);
  assert.throws(() => gemmaConfigFromHf({ num_attention_heads: 6, num_key_value_heads: 4 }), /not a multiple/);
  assert.throws(() => gemmaConfigFromHf({ hidden_size: '64' }), /'hidden_size' must be a number/);
  assert.equal(gemmaConfigFromHf({ eos_token_id: [1, 107] }).eosTokenId, 1);
});

test('weight-name prefixes: both PaliGemma styles, and ambiguity', () => {
  assert.equal(detectGemmaPrefix(['language_model.model.embed_tokens.weight', 'vision_tower.x']), 'language_model.model.');
  assert.equal(detectGemmaPrefix(['model.language_model.embed_tokens.weight']), 'model.language_model.');
  assert.throws(() => detectGemmaPrefix(['a.embed_tokens.weight', 'b.embed_tokens.weight']), /several/);
  assert.throws(() => detectGemmaPrefix(['x']), /no Gemma embedding/);
  const n = gemmaNames(gemmaConfigFromHf({ num_hidden_layers: 1 }), 'model.language_model.');
  assert.equal(n.layers[0]?.q, 'model.language_model.layers.0.self_attn.q_proj.weight');
});

test('biases and positions for padded rows', () => {
  const mask = [0, 1, 1, 1, 1, 0]; // row 0 left-padded, row 1 right-padded (B 2, T 3)
  const c = causalBias(mask, 2, 3);
  const row = (a: Float32Array, b: number, q: number, t: number): number[] =>
    Array.from(a.subarray((b * t + q) * t, (b * t + q + 1) * t), (x) => (x === 0 ? 1 : 0));
  assert.deepEqual(row(c, 0, 2, 3), [0, 1, 1]);
  assert.deepEqual(row(c, 1, 1, 3), [1, 1, 0]);
  assert.deepEqual(row(c, 0, 0, 3), [0, 0, 0], 'a padded query sees nothing (uniform softmax, as HF)');
  assert.ok(c.every((x) => x === 0 || x === MASKED));
  assert.deepEqual(row(bidirectionalBias(mask, 2, 3), 0, 1, 3), [0, 1, 1]);
  assert.deepEqual(
    Array.from(stepBias([1, 0, 1], 1, 3), (x) => (x === 0 ? 1 : 0)),
    [1, 0, 1],
  );
  assert.deepEqual(Array.from(paddedPositions(mask, 2, 3), Number), [1, 0, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(paddedPositions(mask, 2, 3, 1), Number), [1, 1, 2, 1, 2, 1]);
});
