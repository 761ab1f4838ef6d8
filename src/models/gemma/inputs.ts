/**
 * Graph-input names and specs of the Gemma graphs, and how the token input (ids or embeddings) becomes embedding rows.
 *   input_ids      int64   (B, T)       or   inputs_embeds  float32 (B, T, D)  (unscaled, as HF's inputs_embeds)
 *   position_ids   int64   (B, T)
 *   attention_bias float32 (B, T, S)    additive: 0 = attend, MASKED (masks.ts) = not; S = past + T
 */

import type { Dim, Value } from '../../engine/graph.js';
import type { BuildContext, InputSpec } from '../../engine/model.js';
import type { GemmaConfig } from './config.js';
import { embedRows, embedTokens } from './decoder.js';
import type { GemmaNames } from './names.js';
import type { Weights } from '../transformer/weights.js';

export type TokenInput = 'ids' | 'embeds';

export const INPUT_IDS = 'input_ids';
export const INPUTS_EMBEDS = 'inputs_embeds';
export const POSITION_IDS = 'position_ids';
export const ATTENTION_BIAS = 'attention_bias';

export const pastKeyName = (layer: number): string => `past_key.${layer}`;
export const pastValueName = (layer: number): string => `past_value.${layer}`;
export const presentKeyName = (layer: number): string => `present_key.${layer}`;
export const presentValueName = (layer: number): string => `present_value.${layer}`;

/** The token input, position ids and attention bias for T new tokens over S key positions. */
export function sequenceInputs(c: GemmaConfig, input: TokenInput, t: Dim, s: Dim): InputSpec[] {
  const tokens: InputSpec =
    input === 'ids' ? { name: INPUT_IDS, dtype: 'int64', shape: ['B', t] } : { name: INPUTS_EMBEDS, dtype: 'float32', shape: ['B', t, c.hidden] };
  return [tokens, { name: POSITION_IDS, dtype: 'int64', shape: ['B', t] }, { name: ATTENTION_BIAS, dtype: 'float32', shape: ['B', t, s] }];
}

/** Unscaled embedding rows (N, D) from whichever token input the graph has. */
export function tokenRows(ctx: BuildContext, w: Weights, names: GemmaNames, input: TokenInput): Value {
  return input === 'ids' ? embedTokens(w, names, ctx.input(INPUT_IDS)) : embedRows(ctx.input(INPUTS_EMBEDS));
}
