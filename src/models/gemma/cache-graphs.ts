/**
 * The two KV-cache graphs of generation, built from the same decoder code as the full forward:
 * - prefill: the whole prompt (B, T) with a (B, T, T) bias; outputs `logits` (B, V) of one row per batch entry
 *   (`last_row`, int64 (B): the flat row b*T + t to read, so left and right padding both work) and the caches
 *   `present_key.i` / `present_value.i` (B, KV, T, hd) per layer;
 * - decode: one new token per row (B, 1) at its position, a (B, 1, P+1) bias, and the caches `past_key.i` /
 *   `past_value.i` (B, KV, P, hd); outputs `logits` (B, V) and the caches grown to P+1.
 * Weights are graph inputs by name (InferenceRunner feeds them from one shared map, so both graphs use one copy).
 */

import type { InputSpec, ModelDef } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import { gather } from '../../engine/ops/index.js';
import type { KvPair } from './attention.js';
import type { GemmaConfig } from './config.js';
import { gemmaDecoder, tiedLogits } from './decoder.js';
import {
  ATTENTION_BIAS,
  pastKeyName,
  pastValueName,
  POSITION_IDS,
  presentKeyName,
  presentValueName,
  sequenceInputs,
  tokenRows,
  type TokenInput,
} from './inputs.js';
import { DEFAULT_GEMMA_PREFIX, gemmaNames, gemmaParamSpecs } from './names.js';
import { weightsOf, type ModelAdapters } from '../transformer/weights.js';

export const LAST_ROW = 'last_row';

export interface CacheGraphOptions {
  prefix?: string; // 'model.'
  input?: TokenInput; // 'ids' ('embeds' for PaliGemma's prefill)
  /** LoRA on top of the weights (kept float, never merged): hooks every Linear; its tensors are weights of the graph. */
  adapters?: ModelAdapters;
}

function cacheOutputs(present: readonly KvPair[], out: Record<string, Value>): Record<string, Value> {
  present.forEach((p, i) => {
    out[presentKeyName(i)] = p.key;
    out[presentValueName(i)] = p.value;
  });
  return out;
}

export function gemmaPrefillModel(c: GemmaConfig, o: CacheGraphOptions = {}): ModelDef {
  const prefix = o.prefix ?? DEFAULT_GEMMA_PREFIX;
  const input = o.input ?? 'ids';
  const names = gemmaNames(c, prefix);
  const params = [...gemmaParamSpecs(c, prefix), ...(o.adapters?.params ?? [])];
  return {
    name: 'gemma_prefill',
    params,
    inputs: [...sequenceInputs(c, input, 'T', 'T'), { name: LAST_ROW, dtype: 'int64', shape: ['B'] }],
    forward(ctx) {
      const w = weightsOf(ctx, o.adapters?.hook(ctx));
      const out = gemmaDecoder(w, c, names, { embeds: tokenRows(ctx, w, names, input), positions: ctx.input(POSITION_IDS), bias: ctx.input(ATTENTION_BIAS) });
      const last = gather(out.final, ctx.input(LAST_ROW)); // (B, D)
      return cacheOutputs(out.present, { logits: tiedLogits(w, names, last) }); // (B, V)
    },
  };
}

export function gemmaDecodeModel(c: GemmaConfig, o: CacheGraphOptions = {}): ModelDef {
  const prefix = o.prefix ?? DEFAULT_GEMMA_PREFIX;
  const input = o.input ?? 'ids';
  const names = gemmaNames(c, prefix);
  const params = [...gemmaParamSpecs(c, prefix), ...(o.adapters?.params ?? [])];
  const cacheShape = ['B', c.kvHeads, 'P', c.headDim];
  const past: InputSpec[] = names.layers.flatMap((_, i): InputSpec[] => [
    { name: pastKeyName(i), dtype: 'float32', shape: cacheShape },
    { name: pastValueName(i), dtype: 'float32', shape: cacheShape },
  ]);
  return {
    name: 'gemma_decode',
    params,
    inputs: [...sequenceInputs(c, input, 1, 'S'), ...past],
    forward(ctx) {
      const w = weightsOf(ctx, o.adapters?.hook(ctx));
      const cache = names.layers.map((_, i): KvPair => ({ key: ctx.input(pastKeyName(i)), value: ctx.input(pastValueName(i)) }));
      const embeds = tokenRows(ctx, w, names, input); // (B, D): one row per batch entry
      const out = gemmaDecoder(w, c, names, { embeds, positions: ctx.input(POSITION_IDS), bias: ctx.input(ATTENTION_BIAS), past: cache });
      return cacheOutputs(out.present, { logits: tiedLogits(w, names, out.final) }); // (B, V)
    },
  };
}
