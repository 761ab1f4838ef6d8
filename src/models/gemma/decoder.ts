/**
 * The Gemma decoder stack over 2-D rows (N = B*T), as transformers' GemmaModel:
 *   h = embeds * sqrt(D)                        the normalizer is a scalar of the compute dtype, so in float32 it is
 *                                               sqrt(D) rounded to float32 (HF casts it to the hidden dtype)
 *   per layer: h = h + attn(rms(h)); h = h + mlp(rms(h))
 *   final = rms(h)
 * plus the embedding lookup and the output head tied to the embedding. Inputs are unscaled embeddings, so token ids
 * and PaliGemma's merged image + text embeddings enter the same way; the additive mask makes the same code serve
 * causal, padded, bidirectional and prefix-LM attention, with or without a KV cache. In a float16 graph the bias
 * arrives Cast from float32, where the host's MASKED (float32's lowest) became -inf: it is raised to maskedValue
 * (-3e4), so a fully masked row (a padded query) softmaxes to a finite row instead of NaN (decision 011).
 */

import type { Value } from '../../engine/graph.js';
import { add, gather, gemm, less, mul, quantizedMatMul, unsqueeze, where } from '../../engine/ops/index.js';
import { gemmaAttention, type KvPair } from './attention.js';
import type { GemmaConfig } from './config.js';
import { gemmaMlp } from './mlp.js';
import type { GemmaNames } from './names.js';
import { gemmaRmsNorm } from './rms-norm.js';
import { ropeTables } from './rope.js';
import { maskedValue } from '../transformer/attention.js';
import { reshapeTo, seqShape } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';

export interface DecoderInput {
  embeds: Value; // (N, D) unscaled input embeddings, row b*T + t
  positions: Value; // (B, T) int64 position ids
  bias: Value; // (B, T, S) additive attention mask, S = P + T
  past?: readonly KvPair[] | null; // per layer (B, KV, P, hd)
}

export interface DecoderOutput {
  /** HF's output_hidden_states: [scaled embeddings, after layer 0, .., after layer L-2, final], each (N, D). */
  hidden: Value[];
  final: Value; // (N, D) after the final norm
  present: KvPair[]; // per layer (B, KV, S, hd)
}

export function gemmaDecoder(w: Weights, c: GemmaConfig, names: GemmaNames, inp: DecoderInput): DecoderOutput {
  const seq = seqShape(inp.positions);
  const rope = ropeTables(inp.positions, c.headDim, c.ropeTheta, inp.embeds.dtype);
  const bias = unsqueeze(halfSafeBias(inp.bias), [1]); // (B, 1, T, S)
  let h = mul(inp.embeds, Math.sqrt(c.hidden)); // (N, D)
  const hidden = [h];
  const present: KvPair[] = [];
  names.layers.forEach((n, i) => {
    const past = inp.past?.[i] ?? null;
    const attn = gemmaAttention(w, n, c, { x: gemmaRmsNorm(h, w(n.inputNorm), c.rmsNormEps), seq, rope, bias, past });
    h = add(h, attn.out); // (N, D)
    h = add(h, gemmaMlp(w, n, c, gemmaRmsNorm(h, w(n.postNorm), c.rmsNormEps))); // (N, D)
    present.push(attn.present);
    if (i < names.layers.length - 1) hidden.push(h);
  });
  const final = gemmaRmsNorm(h, w(names.norm), c.rmsNormEps); // (N, D)
  hidden.push(final);
  return { hidden, final, present };
}

/** A float16 bias with every value below maskedValue (the host's MASKED, -inf once Cast) raised to it; others as they are. */
export function halfSafeBias(bias: Value): Value {
  if (bias.dtype !== 'float16') return bias;
  const floor = maskedValue('float16');
  return where(less(bias, floor), floor, bias);
}

/** Token ids (B, T) -> unscaled embedding rows (N, D). */
export function embedTokens(w: Weights, names: GemmaNames, ids: Value): Value {
  const seq = seqShape(ids);
  return gather(w(names.embed), reshapeTo(ids, [-1], [seq.n])); // (N, D)
}

/** Embeddings (B, T, D) -> rows (N, D). */
export function embedRows(embeds: Value): Value {
  const [b, t, d] = embeds.shape;
  const n = typeof b === 'number' && typeof t === 'number' ? b * t : `${String(b)}*${String(t)}`;
  return reshapeTo(embeds, [-1, d as number], [n, d as number]); // (N, D)
}

/** The output head tied to the embedding: rows (M, D) -> logits (M, V); the quantized kernel when the table is read quantized. */
export function tiedLogits(w: Weights, names: GemmaNames, rows: Value): Value {
  const q = w.quantized?.(names.embed);
  return q ? quantizedMatMul(rows, q) : gemm(rows, w(names.embed), null, { transB: true }); // (M, V)
}
