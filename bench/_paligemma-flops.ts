/**
 * Floating-point operations of one PaliGemma answer as bench/paligemma-quant.ts times it (2 per multiply-add; norms,
 * activations and softmax left out, < 1%): SigLIP over the image's patches, the projector, Gemma's prefill over the
 * prompt (every layer's projections and MLP, and attention over the full T x T square the graph computes), the tied head
 * on the last prompt row, and each further answer token's decode step over the cache. For PaliGemma-3B-224 with a
 * 271-token prompt and 3 answer tokens this is about 1.3 TFLOP, nearly all of it in the two prompt passes: an answer in
 * float32 is compute-bound, so its time against the machine's GEMM peak is the float32 roofline.
 */

import type { PaliGemmaConfig } from '../src/models/paligemma/config.js';
import { siglipTokens } from '../src/models/siglip/config.js';

/** Multiply-adds of one token through one Gemma layer's projections and MLP. */
function gemmaLayerMacs(c: PaliGemmaConfig): number {
  const t = c.text;
  const qo = 2 * t.hidden * t.heads * t.headDim;
  const kv = 2 * t.hidden * t.kvHeads * t.headDim;
  return qo + kv + 3 * t.hidden * t.intermediate;
}

export function paligemmaAnswerFlops(c: PaliGemmaConfig, promptTokens: number, answerTokens: number): number {
  const v = c.vision;
  const n = siglipTokens(v);
  const patch = n * v.channels * v.patchSize * v.patchSize * v.hidden;
  const vision = patch + v.layers * (n * (4 * v.hidden * v.hidden + 2 * v.hidden * v.intermediate) + 2 * n * n * v.hidden);
  const projector = n * v.hidden * c.projectionDim;
  const t = c.text;
  const attention = (queries: number, keys: number): number => 2 * queries * keys * t.heads * t.headDim;
  const prefill = t.layers * (promptTokens * gemmaLayerMacs(c) + attention(promptTokens, promptTokens));
  const head = t.hidden * t.vocab; // one row: the last prompt position, then each decode step
  let decode = 0;
  for (let k = 1; k < answerTokens; k++) decode += t.layers * (gemmaLayerMacs(c) + attention(1, promptTokens + k)) + head;
  return 2 * (vision + projector + prefill + head + decode);
}
