/**
 * Shapes the golden does not cover, against the naive reference (reference.ts): grouped-query attention (4 query
 * heads on 2 KV heads), head_dim unrelated to hidden / heads, random norm weights, arbitrary positions and a
 * prefix-LM mask, under a PaliGemma-style weight prefix; and the KV-cache path on the same model.
 */

import { test } from 'node:test';
import { Tensor } from '../../../src/engine/tensor.js';
import { initParams } from '../../../src/engine/init.js';
import { Rng } from '../../../src/random/rng.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { GemmaKvDecoder } from '../../../src/models/gemma/kv-decoder.js';
import { attentionBias, stepBias } from '../../../src/models/gemma/masks.js';
import { gemmaModel } from '../../../src/models/gemma/model.js';
import { gemmaParamSpecs } from '../../../src/models/gemma/names.js';
import { assertClose, sliceTime } from './helpers.js';
import { referenceLogits } from './reference.js';

const C: GemmaConfig = {
  vocab: 37,
  hidden: 24,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 10,
  intermediate: 40,
  rmsNormEps: 1e-6,
  ropeTheta: 500,
  activation: 'tanh',
  bosTokenId: 2,
  eosTokenId: 1,
  padTokenId: 0,
  initializerRange: 0.3,
};
const PREFIX = 'language_model.model.';

test('grouped KV heads, odd head_dim, prefix-LM mask and arbitrary positions match the naive reference', async () => {
  const specs = gemmaParamSpecs(C, PREFIX);
  const weights = initParams(specs, 3);
  const rng = new Rng(5);
  for (const s of specs) if (s.shape.length === 1) weights.get(s.name)?.forEach((_, i, a) => (a[i] = rng.normal() * 0.3)); // random (1 + w)
  const [b, t, prefixLen] = [2, 7, 4];
  const ids = Array.from({ length: b * t }, () => rng.int(C.vocab));
  const pos = Array.from({ length: b * t }, (_, i) => 3 * (i % t) + (i >= t ? 5 : 0));
  const bias = attentionBias(b, t, t, (_r, q, k) => k < prefixLen || k <= q); // bidirectional prefix, causal suffix
  const runner = await InferenceRunner.create(buildInference(gemmaModel(C, { prefix: PREFIX }), { outputs: ['logits'] }), weights);
  const out = await runner.run({
    input_ids: Tensor.i64(BigInt64Array.from(ids, BigInt), [b, t]),
    position_ids: Tensor.i64(BigInt64Array.from(pos, BigInt), [b, t]),
    attention_bias: Tensor.f32(bias, [b, t, t]),
  });
  const logits = out.logits!.floats();
  for (let r = 0; r < b; r++) {
    const ref = referenceLogits(C, weights, ids.slice(r * t, (r + 1) * t), pos.slice(r * t, (r + 1) * t), bias.subarray(r * t * t, (r + 1) * t * t), PREFIX);
    assertClose(`row ${r}`, logits.subarray(r * t * C.vocab, (r + 1) * t * C.vocab), ref, 1e-4);
  }
  // The cached path on the same model: prefill the prefix, then one step per suffix token.
  const dec = await GemmaKvDecoder.create(C, weights, { prefix: PREFIX });
  const rows = (a: readonly number[], from: number, to: number): BigInt64Array =>
    BigInt64Array.from({ length: b * (to - from) }, (_, k) => BigInt(a[Math.floor(k / (to - from)) * t + from + (k % (to - from))] as number));
  const pre = await dec.prefill({
    batch: b,
    length: prefixLen,
    inputIds: rows(ids, 0, prefixLen),
    positionIds: rows(pos, 0, prefixLen),
    bias: attentionBias(b, prefixLen, prefixLen, () => true),
    lastIndex: [prefixLen - 1, prefixLen - 1],
  });
  assertClose('prefill', pre.logits, sliceTime(logits, b, t, C.vocab, prefixLen - 1, prefixLen), 1e-4);
  let cache = pre.cache;
  for (let i = prefixLen; i < t; i++) {
    const res = await dec.step(cache, {
      tokens: [ids[i] as number, ids[t + i] as number],
      positions: [pos[i] as number, pos[t + i] as number],
      bias: stepBias(new Uint8Array(b * (i + 1)).fill(1), b, i + 1),
    });
    assertClose(`step ${i}`, res.logits, sliceTime(logits, b, t, C.vocab, i, i + 1), 1e-4);
    cache = res.cache;
  }
  await runner.dispose();
  await dec.dispose();
});
