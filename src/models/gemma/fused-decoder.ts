/**
 * The Gemma decoder stack of decoder.ts on ONNX Runtime's fused kernels, for inference graphs built `fused`
 * (WebGPU; docs/decisions/012-fused-ops.md). The same computation, node for node where no kernel fuses it:
 *   h = embeds * sqrt(D); normed = SimplifiedLayerNormalization(h, 1 + w_in)
 *   per layer: y, h = SkipSimplifiedLayerNormalization(h, attn(normed), 1 + w_post)      y = rms(h + attn), h = h + attn
 *              normed, h = SkipSimplifiedLayerNormalization(h, mlp(y), 1 + w_next)       next layer's input norm, or the final
 * The +1 of Gemma's norm weight is an Add on the weight, which ONNX Runtime folds once at session creation (the
 * weights are initializers on a GPU). The norms' statistics are float32 inside the kernels whatever the compute dtype,
 * so a float16 graph needs no float32 island (x^2 never leaves float32). RoPE is RotaryEmbedding over cos/sin caches
 * (rope-cache.ts); attention stays attention.ts's MatMul/Softmax form: ONNX Runtime's MultiHeadAttention kernel is off
 * on WebGPU (lavapipe) for 32 queries or more (decision 012).
 */

import type { Value } from '../../engine/graph.js';
import { add, cast, mul, unsqueeze } from '../../engine/ops/index.js';
import { rotaryEmbedding, simplifiedLayerNorm, skipSimplifiedLayerNorm } from '../../engine/ops/fused.js';
import { gemmaAttention, type KvPair } from './attention.js';
import { halfSafeBias } from './bias.js';
import type { GemmaConfig } from './config.js';
import type { DecoderInput, DecoderOutput } from './decoder-types.js';
import { gemmaMlp } from './mlp.js';
import type { GemmaNames } from './names.js';
import { ropeCaches } from './rope-cache.js';
import { seqShape } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';

/** Gemma's norm scale 1 + w, added in float32 and rounded once to the compute dtype (HF adds in float32). */
function normScale(weight: Value, dtype: Value['dtype']): Value {
  return weight.dtype === 'float16' ? cast(add(cast(weight, 'float32'), 1), dtype) : add(weight, 1);
}

export function fusedGemmaDecoder(w: Weights, c: GemmaConfig, names: GemmaNames, inp: DecoderInput): DecoderOutput {
  const seq = seqShape(inp.positions);
  const dtype = inp.embeds.dtype;
  const caches = ropeCaches(inp.embeds.graph, c.headDim, c.ropeTheta, dtype);
  const rope = (x: Value): Value => rotaryEmbedding(x, inp.positions, caches.cos, caches.sin); // (B, h, T, hd)
  const bias = unsqueeze(halfSafeBias(inp.bias), [1]); // (B, 1, T, S)
  const scale = (name: string): Value => normScale(w(name), dtype);
  let h = mul(inp.embeds, Math.sqrt(c.hidden)); // (N, D)
  const hidden = [h];
  const present: KvPair[] = [];
  let normed = simplifiedLayerNorm(h, scale(names.layers[0]?.inputNorm ?? names.norm), c.rmsNormEps); // (N, D)
  names.layers.forEach((n, i) => {
    const past = inp.past?.[i] ?? null;
    const attn = gemmaAttention(w, n, c, { x: normed, seq, rope, bias, past });
    const post = skipSimplifiedLayerNorm(h, attn.out, scale(n.postNorm), c.rmsNormEps); // rms(h + attn), h + attn
    const next = names.layers[i + 1]?.inputNorm ?? names.norm;
    const out = skipSimplifiedLayerNorm(post.sum, gemmaMlp(w, n, c, post.y), scale(next), c.rmsNormEps); // (N, D) each
    h = out.sum;
    normed = out.y;
    present.push(attn.present);
    if (i < names.layers.length - 1) hidden.push(h);
  });
  hidden.push(normed); // the final norm
  return { hidden, final: normed, present };
}
