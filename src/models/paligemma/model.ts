/**
 * PaliGemmaForConditionalGeneration as a ModelDef: the whole sequence in one pass (golden checks, scoring, training).
 *   image rows = projector(SigLIP(pixels)) / sqrt(hidden)          (B * Np, D)
 *   embeds     = merge(ids, embed_tokens(ids), image rows)         (N, D)      merge.ts
 *   final      = Gemma decoder(embeds, position_ids, attention_bias)   (N, D)
 *   logits     = final @ embed_tokens.T                            (B, T, V)
 * With `lossRows`, the graph also takes `loss_rows` (M) and outputs `selected_logits` (M, V): only the rows the loss
 * scores go through the tied head. Unrequested outputs are pruned from the emitted graph.
 * Weights: parameters for `trainable` names (default all), the rest constant float32 inputs of their own names; an
 * `adapters` extension adds its own parameters and hooks every Linear (LoRA, src/models/lora/).
 */

import type { Value } from '../../engine/graph.js';
import type { InputSpec, ModelDef } from '../../engine/model.js';
import { gather } from '../../engine/ops/index.js';
import { gemmaDecoder, tiedLogits } from '../gemma/decoder.js';
import { embedTokens } from '../gemma/decoder.js';
import { ATTENTION_BIAS, INPUT_IDS, POSITION_IDS } from '../gemma/inputs.js';
import { gemmaNames } from '../gemma/names.js';
import { seqShape, unflatten } from '../transformer/shapes.js';
import { weightsOf, splitWeights, type ModelAdapters, type TrainableSelection } from '../transformer/weights.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import type { PaliGemmaConfig } from './config.js';
import { imageFeatureRows } from './features.js';
import { LOSS_ROWS, PIXEL_VALUES } from './inputs.js';
import { mergeImageRows } from './merge.js';
import { LEGACY_PREFIXES, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';

export interface PaliGemmaModelOptions {
  prefixes?: PaliGemmaPrefixes;
  /** Base weights that train (default all); the others become constant graph inputs. */
  trainable?: TrainableSelection;
  adapters?: ModelAdapters;
  /** Add the `loss_rows` input and the `selected_logits` output. */
  lossRows?: boolean;
  patchMethod?: PatchEmbedMethod;
}

function paligemmaInputs(c: PaliGemmaConfig, lossRows = false): InputSpec[] {
  const v = c.vision;
  return [
    { name: PIXEL_VALUES, dtype: 'float32', shape: ['B', v.channels, v.imageSize, v.imageSize] },
    { name: INPUT_IDS, dtype: 'int64', shape: ['B', 'T'] },
    { name: POSITION_IDS, dtype: 'int64', shape: ['B', 'T'] },
    { name: ATTENTION_BIAS, dtype: 'float32', shape: ['B', 'T', 'T'] },
    ...(lossRows ? [{ name: LOSS_ROWS, dtype: 'int64', shape: ['M'] } as InputSpec] : []),
  ];
}

export function paligemmaModel(c: PaliGemmaConfig, o: PaliGemmaModelOptions = {}): ModelDef {
  const p = o.prefixes ?? LEGACY_PREFIXES;
  const names = gemmaNames(c.text, p.text);
  const { params: base, frozen } = splitWeights(paligemmaParamSpecs(c, p), o.trainable ?? 'all');
  const params = [...base, ...(o.adapters?.params ?? [])];
  return {
    name: 'paligemma',
    params,
    frozen,
    inputs: paligemmaInputs(c, o.lossRows),
    forward(ctx) {
      const w = weightsOf(ctx, o.adapters?.hook(ctx));
      const ids = ctx.input(INPUT_IDS);
      const positions = ctx.input(POSITION_IDS);
      const imageRows = imageFeatureRows(ctx, w, c, p, ctx.input(PIXEL_VALUES), o.patchMethod); // (B * Np, D)
      const embeds = mergeImageRows(ids, embedTokens(w, names, ids), imageRows, { imageTokenIndex: c.imageTokenIndex, padTokenId: c.text.padTokenId }); // (N, D)
      const out = gemmaDecoder(w, c.text, names, { embeds, positions, bias: ctx.input(ATTENTION_BIAS) });
      const result: Record<string, Value> = {
        logits: unflatten(tiedLogits(w, names, out.final), seqShape(positions), [c.text.vocab]), // (B, T, V)
        image_features: imageRows,
      };
      if (o.lossRows) result.selected_logits = tiedLogits(w, names, gather(out.final, ctx.input(LOSS_ROWS))); // (M, V)
      return result;
    },
  };
}
