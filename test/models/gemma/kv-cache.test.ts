/**
 * KV-cache decoding: on the golden Gemma, prefill + cached single-token steps reproduce the full forward (and the
 * transformers logits) position by position. On a random model of the same config with larger weights (the golden's
 * small init makes greedy decoding repeat one token), greedy decoding with the cache equals greedy decoding by full
 * forwards, and a left- or right-padded batch decodes each row as that row alone, end tokens included. The graphs
 * differ, so logits agree within tolerance, and tokens are compared where each greedy choice leads by more than twice it.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { argmaxRow, generateGreedy, type GreedyResult } from '../../../src/models/gemma/generate.js';
import { GemmaKvDecoder, type KvCache } from '../../../src/models/gemma/kv-decoder.js';
import { arangePositions, causalBias } from '../../../src/models/gemma/masks.js';
import { gemmaModel } from '../../../src/models/gemma/model.js';
import { loadGemmaCheckpoint } from '../../../src/models/gemma/weights.js';
import { gemmaParamSpecs } from '../../../src/models/gemma/names.js';
import { initParams } from '../../../src/engine/init.js';
import { assertDecisive } from '../../helpers/margins.js';
import { onTestDevice } from '../../helpers/device.js';
import { TOL } from '../../helpers/tolerance.js';
import { assertClose, forwardFeeds, goldenPath, outputTol, readTensors, sliceTime, tensor, type Tensors } from './helpers.js';

let config: GemmaConfig;
let weights: Map<string, Float32Array>;
let prefix: string;
let inputs: Tensors;
let outputs: Tensors;
let dec: GemmaKvDecoder;
let strong: GemmaKvDecoder;
let strongFull: InferenceRunner;

before(async () => {
  ({ config, weights, prefix } = await loadGemmaCheckpoint(goldenPath('gemma')));
  inputs = await readTensors('gemma', 'inputs.safetensors');
  outputs = await readTensors('gemma', 'outputs.safetensors');
  dec = await GemmaKvDecoder.create(config, weights, { prefix, session: onTestDevice() });
  const strongWeights = initParams(gemmaParamSpecs({ ...config, initializerRange: 0.5 }), 7);
  strong = await GemmaKvDecoder.create(config, strongWeights, { session: onTestDevice() });
  strongFull = await InferenceRunner.create(buildInference(gemmaModel(config), { outputs: ['logits'] }), strongWeights, onTestDevice());
});

/** Full-forward logits (B, T, V) of one unpadded causal batch. */
async function fullLogits(ids: BigInt64Array, b: number, t: number): Promise<Float32Array> {
  const out = await strongFull.run({
    input_ids: Tensor.i64(ids, [b, t]),
    position_ids: Tensor.i64(arangePositions(b, t), [b, t]),
    attention_bias: Tensor.f32(causalBias(new Uint8Array(b * t).fill(1), b, t), [b, t, t]),
  });
  return out.logits!.floats();
}

test('prefill + cached steps give the full-forward logits at every position', async () => {
  const { feeds, batch: b, length: t } = forwardFeeds(inputs);
  const v = config.vocab;
  const ids = feeds.input_ids?.data as BigInt64Array;
  const positions = feeds.position_ids?.data as BigInt64Array;
  const bias = feeds.attention_bias!.floats(); // (B, T, T): row i = what query i may see
  const golden = tensor(outputs, 'logits').data as Float32Array;
  const p = Math.max(1, Math.floor(t / 2));
  const rows = (a: ArrayLike<number | bigint>, from: number, to: number): BigInt64Array =>
    BigInt64Array.from({ length: b * (to - from) }, (_, k) => BigInt(a[Math.floor(k / (to - from)) * t + from + (k % (to - from))] as bigint));
  const prefillBias = new Float32Array(b * p * p);
  for (let r = 0; r < b; r++) for (let i = 0; i < p; i++) prefillBias.set(bias.subarray((r * t + i) * t, (r * t + i) * t + p), (r * p + i) * p);
  const pre = await dec.prefill({
    batch: b,
    length: p,
    inputIds: rows(ids, 0, p),
    positionIds: rows(positions, 0, p),
    bias: prefillBias,
    lastIndex: new Array(b).fill(p - 1),
  });
  let cache: KvCache = pre.cache;
  let worst = assertClose(`position ${p - 1}`, pre.logits, sliceTime(golden, b, t, v, p - 1, p));
  for (let i = p; i < t; i++) {
    const stepBias = new Float32Array(b * (i + 1));
    for (let r = 0; r < b; r++) stepBias.set(bias.subarray((r * t + i) * t, (r * t + i) * t + i + 1), r * (i + 1));
    const tokens = Array.from({ length: b }, (_, r) => Number(ids[r * t + i]));
    const pos = Array.from({ length: b }, (_, r) => Number(positions[r * t + i]));
    const res = await dec.step(cache, { tokens, positions: pos, bias: stepBias });
    cache = res.cache;
    worst = Math.max(worst, assertClose(`position ${i}`, res.logits, sliceTime(golden, b, t, v, i, i + 1)));
  }
  assert.equal(cache.length, t);
  assert.deepEqual(cache.keys[0]?.dims, [b, config.kvHeads, t, config.headDim]);
  // The grown cache equals the cache of one prefill over the whole sequence.
  const whole = await dec.prefill({ batch: b, length: t, inputIds: ids, positionIds: positions, bias, lastIndex: new Array(b).fill(t - 1) });
  // On WebGPU both caches are resident: read through the decoder's explicit download.
  const [grown, once] = [await dec.hostCache(cache), await dec.hostCache(whole.cache)];
  for (let l = 0; l < config.layers; l++) {
    assertClose(`key cache ${l}`, grown.keys[l]!.floats(), once.keys[l]!.floats(), TOL.unit);
    assertClose(`value cache ${l}`, grown.values[l]!.floats(), once.values[l]!.floats(), TOL.unit);
  }
  console.log(`cached decode vs transformers logits: max abs diff ${worst} (prefill ${p} + ${t - p} steps)`);
});

function rowTokens(r: GreedyResult, row: number): number[] {
  return Array.from(r.tokens.subarray(row * r.steps, (row + 1) * r.steps), Number);
}

test('greedy decoding with the cache equals greedy decoding by full forwards', async () => {
  const t0 = Math.min(5, tensor(inputs, 'input_ids').shape[1] as number);
  const prompt = (tensor(inputs, 'input_ids').data as BigInt64Array).slice(0, t0);
  const n = 6;
  const cached = await generateGreedy(
    strong,
    { batch: 1, length: t0, inputIds: prompt, attentionMask: new Uint8Array(t0).fill(1) },
    {
      maxNewTokens: n,
      eosTokenIds: [],
      padTokenId: config.padTokenId,
      keepStepLogits: true,
      keepCache: true,
    },
  );
  assert.equal(cached.steps, n);
  assert.equal(cached.cache!.length, t0 + n - 1, 'the last token is never fed back');
  strong.release(cached.cache!);
  let seq = Array.from(prompt);
  for (let k = 0; k < n; k++) {
    const logits = await fullLogits(BigInt64Array.from(seq), 1, seq.length);
    const last = logits.subarray((seq.length - 1) * config.vocab, seq.length * config.vocab);
    assertClose(`step ${k} logits`, cached.stepLogits[k] as Float32Array, last, outputTol(last));
    assertDecisive(`full-forward step ${k}`, last, config.vocab, outputTol(last));
    const tok = argmaxRow(last, 0, config.vocab);
    assert.equal(rowTokens(cached, 0)[k], tok, `step ${k} token`);
    seq = [...seq, BigInt(tok)];
  }
});

test('a left- or right-padded batch decodes each row as it would alone, end tokens included', async () => {
  const all = tensor(inputs, 'input_ids').data as BigInt64Array;
  const lengths = [Math.min(6, all.length), Math.min(3, all.length - 1)];
  const prompts = [all.slice(0, lengths[0]), all.slice(1, 1 + (lengths[1] as number))]; // two different prompts
  const base = { maxNewTokens: 6, padTokenId: config.padTokenId, keepStepLogits: true };
  const alone = await Promise.all(
    prompts.map((p) =>
      generateGreedy(strong, { batch: 1, length: p.length, inputIds: p, attentionMask: new Uint8Array(p.length).fill(1) }, { ...base, eosTokenIds: [] }),
    ),
  );
  // End row 0 at its third token (when that token occurs neither earlier nor in row 1), so padding after an end shows.
  const [own0, own1] = [rowTokens(alone[0] as GreedyResult, 0), rowTokens(alone[1] as GreedyResult, 0)];
  const eosTokenIds = own0.indexOf(own0[2] as number) === 2 && !own1.includes(own0[2] as number) ? [own0[2] as number] : [];
  assert.ok(eosTokenIds.length > 0 || process.env.VIZWIZ_GOLDEN_DIR, 'the fixture model should exercise an end token');
  const t = Math.max(...lengths);
  for (const side of ['left', 'right'] as const) {
    const ids = new BigInt64Array(2 * t).fill(BigInt(config.padTokenId));
    const mask = new Uint8Array(2 * t);
    prompts.forEach((p, r) => {
      const at = side === 'left' ? t - p.length : 0;
      ids.set(p, r * t + at);
      mask.fill(1, r * t + at, r * t + at + p.length);
    });
    const batched = await generateGreedy(strong, { batch: 2, length: t, inputIds: ids, attentionMask: mask }, { ...base, eosTokenIds });
    assert.equal(batched.steps, base.maxNewTokens, 'row 1 keeps decoding after row 0 ends');
    for (let r = 0; r < 2; r++) {
      const own = rowTokens(alone[r] as GreedyResult, 0);
      const got = rowTokens(batched, r);
      const end = eosTokenIds.length > 0 ? own.indexOf(eosTokenIds[0] as number) : -1;
      const expected = end >= 0 ? own.map((x, k) => (k > end ? config.padTokenId : x)) : own;
      for (let k = 0; k < batched.steps && (end < 0 || k <= end); k++) {
        const mine = (batched.stepLogits[k] as Float32Array).subarray(r * config.vocab, (r + 1) * config.vocab);
        const ref = (alone[r] as GreedyResult).stepLogits[k] as Float32Array;
        assertClose(`${side} row ${r} step ${k}`, mine, ref, outputTol(ref));
        assertDecisive(`row ${r} alone, step ${k}`, ref, config.vocab, outputTol(ref));
      }
      assert.deepEqual(got.slice(0, expected.length), expected.slice(0, got.length), `${side} padding, row ${r}`);
    }
  }
});
