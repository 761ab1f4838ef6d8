/**
 * The text tower's pooling rule, through the graph: pooler_output is row `eos position` of last_hidden_state, where the
 * position is the first input_ids == eos_token_id, or argmax(input_ids) when eos_token_id == 2 (transformers' legacy
 * rule). Inputs are built so that the two rules pick different positions. Also: the last hidden state of the encoder
 * stack is exposed as hidden_states.<layers>.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { initParams } from '../../../src/engine/init.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import type { ClipTextConfig } from '../../../src/models/clip/config.js';
import { clipTextModel } from '../../../src/models/clip/model.js';

const BASE: ClipTextConfig = {
  hidden: 16,
  layers: 1,
  heads: 2,
  intermediate: 24,
  eps: 1e-5,
  activation: 'quick_gelu',
  vocabSize: 60,
  maxPositions: 12,
  projectionDim: 8,
  bosTokenId: 50,
  eosTokenId: 40,
  padTokenId: 0,
};

async function pooledRows(c: ClipTextConfig, ids: number[][]): Promise<{ pooled: Float32Array; last: Float32Array; t: number }> {
  const model = clipTextModel(c);
  const runner = await InferenceRunner.create(buildInference(model, { outputs: ['pooler_output', 'last_hidden_state'] }), initParams(model.params, 1), {
    threads: 1,
  });
  const t = ids[0]!.length;
  const input = BigInt64Array.from(ids.flat(), BigInt);
  const mask = new BigInt64Array(input.length).fill(1n);
  const out = await runner.run({ input_ids: Tensor.i64(input, [ids.length, t]), attention_mask: Tensor.i64(mask, [ids.length, t]) });
  await runner.dispose();
  return { pooled: out.pooler_output!.floats(), last: out.last_hidden_state!.floats(), t };
}

function rowAt(r: { last: Float32Array; t: number }, b: number, pos: number, d: number): number[] {
  return [...r.last.subarray((b * r.t + pos) * d, (b * r.t + pos + 1) * d)];
}

const IDS = [
  [50, 7, 40, 55, 40, 3], // first eos at 2, argmax (55) at 3
  [50, 59, 9, 40, 1, 2], // first eos at 3, argmax (59) at 1
];

test('eos_token_id != 2: pool at the first eos', async () => {
  const r = await pooledRows(BASE, IDS);
  assert.deepEqual([...r.pooled.subarray(0, 16)], rowAt(r, 0, 2, 16));
  assert.deepEqual([...r.pooled.subarray(16, 32)], rowAt(r, 1, 3, 16));
});

test('eos_token_id == 2: pool at argmax(input_ids)', async () => {
  const r = await pooledRows({ ...BASE, eosTokenId: 2 }, IDS);
  assert.deepEqual([...r.pooled.subarray(0, 16)], rowAt(r, 0, 3, 16));
  assert.deepEqual([...r.pooled.subarray(16, 32)], rowAt(r, 1, 1, 16));
});
