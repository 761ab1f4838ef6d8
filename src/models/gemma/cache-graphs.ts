/**
 * The one KV-cache graph of generation, built from the same decoder code as the full forward. Prefill and each decode
 * step are runs of the same graph (so one session holds the weights, once):
 * - inputs: T new tokens per row (ids (B, T), or unscaled embeddings (B, T, D)), their position ids (B, T), a bias
 *   (B, T, P+T) over the cached keys and the new ones, the caches `past_key.i` / `past_value.i` (B, KV, P, hd) per
 *   layer - P = 0 for a prefill - `last_row`, int64 (B): the flat row b*T + t whose logits to return (left and
 *   right padding both work; a step feeds b), and `score_token`, int64 (B, 1): a token whose log-probability to return;
 * - outputs: `logits` (B, V), the decode head's `next_token` and `score_logprob` (B) (decode-head.ts: the greedy
 *   choice and the scored token's log-probability, so that decoding and scoring on a GPU need not download the logits:
 *   kv-decoder.ts keeps them on the device), and the caches `present_key.i` / `present_value.i` grown to
 *   (B, KV, P+T, hd).
 * The output head is tied to the embedding; when the graph reads that table block-quantized (MatMulNBits), token rows
 * must come in as embeddings (the host looks them up), since a quantized table cannot be gathered in the graph.
 */

import type { InputSpec, ModelDef } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import { gather } from '../../engine/ops/index.js';
import type { KvPair } from './attention.js';
import type { GemmaConfig } from './config.js';
import { decodeHead, SCORE_TOKEN } from './decode-head.js';
import { gemmaDecoder, tiedLogits } from './decoder.js';
import {
  pastKeyName,
  pastValueName,
  POSITION_IDS,
  ATTENTION_BIAS,
  presentKeyName,
  presentValueName,
  sequenceInputs,
  tokenRows,
  type TokenInput,
} from './inputs.js';
import { DEFAULT_GEMMA_PREFIX, gemmaNames, gemmaParamSpecs } from './names.js';
import { weightsOf, type ModelAdapters } from '../transformer/weights.js';

export const LAST_ROW = 'last_row';
export const LOGITS = 'logits';

export interface CacheGraphOptions {
  prefix?: string; // 'model.'
  input?: TokenInput; // 'ids' ('embeds' for PaliGemma)
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

export function gemmaCachedModel(c: GemmaConfig, o: CacheGraphOptions = {}): ModelDef {
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
    name: 'gemma_cached',
    params,
    inputs: [
      ...sequenceInputs(c, input, 'T', 'S'),
      ...past,
      { name: LAST_ROW, dtype: 'int64', shape: ['B'] },
      { name: SCORE_TOKEN, dtype: 'int64', shape: ['B', 1] },
    ],
    forward(ctx) {
      const w = weightsOf(ctx, o.adapters?.hook(ctx));
      if (input === 'ids' && w.quantized?.(names.embed))
        throw new Error(`model gemma_cached: a quantized '${names.embed}' needs token embeddings as input (input 'embeds')`);
      const cache = names.layers.map((_, i): KvPair => ({ key: ctx.input(pastKeyName(i)), value: ctx.input(pastValueName(i)) }));
      const out = gemmaDecoder(w, c, names, {
        embeds: tokenRows(ctx, w, names, input),
        positions: ctx.input(POSITION_IDS),
        bias: ctx.input(ATTENTION_BIAS),
        past: cache,
      });
      const last = gather(out.final, ctx.input(LAST_ROW)); // (B, D)
      const logits = tiedLogits(w, names, last); // (B, V)
      return cacheOutputs(out.present, { [LOGITS]: logits, ...decodeHead(logits, ctx.input(SCORE_TOKEN)) });
    },
  };
}
