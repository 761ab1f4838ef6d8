/**
 * CLIP's text tower (Hugging Face `text_model.*`) and its projection (`text_projection.weight`, no bias):
 *   x = token_embedding[input_ids] + position_embedding[:T]                        (B, T, D)
 *   mask = causal (key j <= query i) + padding (attention_mask of the key = 1)     (B, 1, T, T), additive
 *   last_hidden_state = final_layer_norm(encoder(x, mask))                         (B, T, D)
 *   pooler_output = last_hidden_state[b, eos position of row b]                    (B, D)
 *   text_embeds = pooler_output @ text_projection.T                                (B, P)
 * The eos position follows transformers 4.44: the FIRST position where input_ids == eos_token_id, except when the
 * config says eos_token_id == 2 (openai/* checkpoints), where it is argmax(input_ids): eos is the largest id there.
 * T is symbolic: a batch is padded to its longest text (the causal mask keeps padding out of every real token).
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, ParamSpec } from '../../engine/model.js';
import { weightsOf } from '../transformer/weights.js';
import { add, argMax, cast, concat, equal, gather, gatherND, mul, shapeOf, slice, sliceDynamic, sub, unsqueeze } from '../../engine/ops/index.js';
import { maskedValue } from '../transformer/attention.js';
import { applyLayerNorm, dense } from '../transformer/dense.js';
import { encoder, encoderParams } from '../transformer/encoder.js';
import { denseParams, INIT_STD, layerNormParams } from '../transformer/params.js';
import type { ClipTextConfig } from './config.js';

const TEXT_PREFIX = 'text_model';
const TEXT_PROJECTION = 'text_projection';
/** The eos id for which transformers pools at argmax(input_ids) instead of the first eos. */
const LEGACY_EOS_TOKEN_ID = 2;

/** `text_model.*` parameters in Hugging Face module order. */
export function clipTextParams(c: ClipTextConfig): ParamSpec[] {
  const p = TEXT_PREFIX;
  return [
    { name: `${p}.embeddings.token_embedding.weight`, shape: [c.vocabSize, c.hidden], init: { kind: 'normal', std: INIT_STD } },
    { name: `${p}.embeddings.position_embedding.weight`, shape: [c.maxPositions, c.hidden], init: { kind: 'normal', std: INIT_STD } },
    ...encoderParams(`${p}.encoder`, c),
    ...layerNormParams(`${p}.final_layer_norm`, c.hidden),
  ];
}

export function textProjectionParams(c: ClipTextConfig): ParamSpec[] {
  return denseParams(TEXT_PROJECTION, c.hidden, c.projectionDim, false);
}

/** (P, P) additive causal mask: 0 on and below the diagonal, `masked` above. */
function causalTable(positions: number, masked: number): Float32Array {
  const m = new Float32Array(positions * positions);
  for (let i = 0; i < positions; i++) for (let j = i + 1; j < positions; j++) m[i * positions + j] = masked;
  return m;
}

export interface TextOutputs {
  /** [embeddings, after layer 1, ..., after the last layer] (before final_layer_norm), each (B, T, D). */
  hiddenStates: Value[];
  lastHiddenState: Value; // (B, T, D), after final_layer_norm
  pooled: Value; // (B, D)
  /** Projected, not normalised (what CLIPTextModelWithProjection returns). */
  embeds: Value; // (B, P)
}

/** input_ids and attention_mask: (B, T) int64, T <= max_position_embeddings. */
export function clipTextTower(ctx: BuildContext, c: ClipTextConfig, inputIds: Value, attentionMask: Value): TextOutputs {
  const w = weightsOf(ctx);
  const p = TEXT_PREFIX;
  const g = ctx.graph;
  const t = slice(shapeOf(inputIds), 0, 1, 2); // [T]
  const T = inputIds.shape[1] ?? 'T';
  const positions = sliceDynamic(w(`${p}.embeddings.position_embedding.weight`), g.ints([0]), t, [0], [T]); // (T, D)
  const x = add(gather(w(`${p}.embeddings.token_embedding.weight`), inputIds), positions); // (B, T, D)

  // Masks in the compute dtype (the embeddings'), with a masked value that dtype holds.
  const masked = maskedValue(x.dtype);
  const causalAll = g.floats(x.dtype, [c.maxPositions, c.maxPositions], causalTable(c.maxPositions, masked), 'causal_mask');
  const causal = sliceDynamic(causalAll, g.ints([0, 0]), concat([t, t], 0), [0, 1], [T, T]); // (T, T)
  const padding = unsqueeze(mul(sub(1, cast(attentionMask, x.dtype)), masked), [1, 2]); // (B, 1, 1, T)
  const mask = add(causal, padding); // (B, 1, T, T)

  const hiddenStates = encoder(w, `${p}.encoder`, x, c, mask);
  const last = applyLayerNorm(w, `${p}.final_layer_norm`, hiddenStates[hiddenStates.length - 1] as Value, c.eps); // (B, T, D)
  const score = c.eosTokenId === LEGACY_EOS_TOKEN_ID ? cast(inputIds, 'int32') : cast(equal(inputIds, c.eosTokenId), 'int32'); // (B, T)
  const eosAt = argMax(score, 1, true); // (B, 1)
  const pooled = gatherND(last, eosAt, 1); // (B, D)
  return { hiddenStates, lastHiddenState: last, pooled, embeds: dense(w, TEXT_PROJECTION, pooled, false) };
}
