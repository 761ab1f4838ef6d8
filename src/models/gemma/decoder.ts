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
 * Inference graphs built `fused` take fused-decoder.ts instead (ONNX Runtime's fused kernels, decision 012).
 */

import type { Value } from '../../engine/graph.js';
import { add, gather, gemm, mul, quantizedMatMul, unsqueeze } from '../../engine/ops/index.js';
import { gemmaAttention, type KvPair } from './attention.js';
import type { DecoderInput, DecoderOutput } from './decoder-types.js';
import { halfSafeBias } from './bias.js';
import type { GemmaConfig } from './config.js';
import { fusedGemmaDecoder } from './fused-decoder.js';
import { gemmaMlp } from './mlp.js';
import type { GemmaNames } from './names.js';
import { gemmaRmsNorm } from './rms-norm.js';
import { ropeTables } from './rope.js';
import { reshapeTo, seqShape } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';

export { halfSafeBias } from './bias.js';
export type { DecoderInput, DecoderOutput } from './decoder-types.js';

export function gemmaDecoder(w: Weights, c: GemmaConfig, names: GemmaNames, inp: DecoderInput): DecoderOutput {
  if (w.fused) return fusedGemmaDecoder(w, c, names, inp);
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
