/**
 * GemmaForCausalLM as a ModelDef: the whole sequence in one pass (training, scoring, golden checks).
 * Inputs (inputs.ts): input_ids or inputs_embeds, position_ids, attention_bias (B, T, T), plus every frozen weight as
 * a float32 input of its own name. Outputs: `logits` (B, T, V) and, with `hiddenStates`, `hidden_states.0..L`
 * (B, T, D) with HF's output_hidden_states meaning. Weight names carry `prefix` (names.ts).
 */

import type { ModelDef } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import type { GemmaConfig } from './config.js';
import { gemmaDecoder, tiedLogits } from './decoder.js';
import { ATTENTION_BIAS, POSITION_IDS, sequenceInputs, tokenRows, type TokenInput } from './inputs.js';
import { DEFAULT_GEMMA_PREFIX, gemmaNames, gemmaParamSpecs } from './names.js';
import { seqShape, unflatten } from '../transformer/shapes.js';
import { weightsOf, splitWeights, type TrainableSelection } from '../transformer/weights.js';

export interface GemmaModelOptions {
  prefix?: string; // 'model.'
  input?: TokenInput; // 'ids'
  /** Parameters that train (default all); the others become constant graph inputs. */
  trainable?: TrainableSelection;
  /** Also output hidden_states.0..L. */
  hiddenStates?: boolean;
}

export function gemmaModel(c: GemmaConfig, o: GemmaModelOptions = {}): ModelDef {
  const prefix = o.prefix ?? DEFAULT_GEMMA_PREFIX;
  const input = o.input ?? 'ids';
  const names = gemmaNames(c, prefix);
  const { params, frozen } = splitWeights(gemmaParamSpecs(c, prefix), o.trainable ?? 'all');
  return {
    name: 'gemma',
    params,
    frozen,
    inputs: sequenceInputs(c, input, 'T', 'T'),
    forward(ctx) {
      const w = weightsOf(ctx);
      const positions = ctx.input(POSITION_IDS);
      const seq = seqShape(positions);
      const out = gemmaDecoder(w, c, names, { embeds: tokenRows(ctx, w, names, input), positions, bias: ctx.input(ATTENTION_BIAS) });
      const result: Record<string, Value> = { logits: unflatten(tiedLogits(w, names, out.final), seq, [c.vocab]) }; // (B, T, V)
      if (o.hiddenStates) out.hidden.forEach((h, i) => (result[`hidden_states.${i}`] = unflatten(h, seq, [c.hidden]))); // (B, T, D)
      return result;
    },
  };
}
