/**
 * The pre-LayerNorm encoder stack shared by CLIP's towers and SigLIP's vision tower, with Hugging Face names
 * `<prefix>.layers.<i>.{layer_norm1, self_attn, layer_norm2, mlp}`:
 *   x = x + self_attn(layer_norm1(x), mask)
 *   x = x + mlp(layer_norm2(x))
 * Returns every layer's output so callers can expose hidden states; unused ones are pruned from the emitted graph.
 */

import type { Value } from '../../engine/graph.js';
import type { ParamSpec } from '../../engine/model.js';
import type { Weights } from './weights.js';
import { add } from '../../engine/ops/index.js';
import { attentionParams, selfAttention } from './attention.js';
import type { TransformerConfig } from './config.js';
import { applyLayerNorm } from './dense.js';
import { fusedEncoder } from './fused-encoder.js';
import { mlp, mlpParams } from './mlp.js';
import { layerNormParams } from './params.js';

/** Parameters in Hugging Face module order (self_attn, layer_norm1, mlp, layer_norm2 per layer). */
export function encoderParams(prefix: string, c: TransformerConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (let i = 0; i < c.layers; i++) {
    const p = `${prefix}.layers.${i}`;
    out.push(...attentionParams(`${p}.self_attn`, c.hidden), ...layerNormParams(`${p}.layer_norm1`, c.hidden));
    out.push(...mlpParams(`${p}.mlp`, c), ...layerNormParams(`${p}.layer_norm2`, c.hidden));
  }
  return out;
}

export function encoderLayer(w: Weights, prefix: string, x: Value, c: TransformerConfig, mask: Value | null): Value {
  const h = add(x, selfAttention(w, `${prefix}.self_attn`, applyLayerNorm(w, `${prefix}.layer_norm1`, x, c.eps), c, mask)); // (B, T, D)
  return add(h, mlp(w, `${prefix}.mlp`, applyLayerNorm(w, `${prefix}.layer_norm2`, h, c.eps), c)); // (B, T, D)
}

/**
 * Runs `c.layers` layers; returns [input, after layer 0, ..., after the last layer] (HF's `hidden_states`). Fused
 * inference graphs take fused-encoder.ts (SkipLayerNormalization, decision 012).
 */
export function encoder(w: Weights, prefix: string, x: Value, c: TransformerConfig, mask: Value | null = null): Value[] {
  if (w.fused) return fusedEncoder(w, prefix, x, c, mask);
  const states = [x];
  for (let i = 0; i < c.layers; i++) states.push(encoderLayer(w, `${prefix}.layers.${i}`, states[i] as Value, c, mask));
  return states;
}
