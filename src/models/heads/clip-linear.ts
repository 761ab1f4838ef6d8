/**
 * The "linear layers on CLIP features" VQA head of Deuser et al. (arXiv 2206.05281), as graph-building code:
 *   x = concat(image, text)                                   (B, D)
 *   h = act(answer_fc1(dropout(answer_in_norm(x))))           (B, H)   act = none by default, as in the paper
 *   raw = answer_fc2(dropout(answer_hidden_norm(h)))          (B, C)
 *   type_logits = type_fc(h)                                  (B, T)
 *   gate = sigmoid(type_to_answer(type_logits))               (B, C)
 *   answer_logits = raw * gate                                (B, C)
 *   answerable_logit = answerable_fc2(answerable_fc1(answerable_norm(x)))[:, 0]   (B)
 * Loss: wA * CE(answer) + wT * CE(type) + wU * BCE-with-logits(answerable), each a batch mean.
 * Parameter names match the golden head (and a torch state_dict of the same module).
 */

import type { LossDef, ModelDef, ParamSpec } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import { add, bceWithLogits, concat, mul, sigmoid, softmaxCrossEntropy, squeeze } from '../../engine/ops/index.js';
import { activate, applyLayerNorm, applyLinear, layerNormParams, linearParams, type Activation } from './layers.js';

export interface ClipLinearConfig {
  imageDim: number; // 768 for CLIP ViT-L/14
  textDim: number; // 768
  hidden: number; // 512
  numAnswers: number; // 5726 in Deuser et al.
  numTypes: number; // 4 official answer types
  answerableHidden: number; // 512
  dropout: number; // 0.5; training graphs only
  activation: Activation; // 'none'
  lossWeights: { answer: number; type: number; answerable: number }; // 1, 1, 1
}

export const CLIP_LINEAR_DEFAULTS: ClipLinearConfig = {
  imageDim: 768,
  textDim: 768,
  hidden: 512,
  numAnswers: 5726,
  numTypes: 4,
  answerableHidden: 512,
  dropout: 0.5,
  activation: 'none',
  lossWeights: { answer: 1, type: 1, answerable: 1 },
};

export function clipLinearParams(c: ClipLinearConfig): ParamSpec[] {
  const d = c.imageDim + c.textDim;
  return [
    ...layerNormParams('answer_in_norm', d),
    ...linearParams('answer_fc1', d, c.hidden),
    ...layerNormParams('answer_hidden_norm', c.hidden),
    ...linearParams('answer_fc2', c.hidden, c.numAnswers),
    ...linearParams('type_fc', c.hidden, c.numTypes),
    ...linearParams('type_to_answer', c.numTypes, c.numAnswers),
    ...layerNormParams('answerable_norm', d),
    ...linearParams('answerable_fc1', d, c.answerableHidden),
    ...linearParams('answerable_fc2', c.answerableHidden, 1),
  ];
}

export function clipLinearHead(config: Partial<ClipLinearConfig> = {}): ModelDef {
  const c = { ...CLIP_LINEAR_DEFAULTS, ...config };
  return {
    name: 'clip-linear',
    params: clipLinearParams(c),
    inputs: [
      { name: 'image_feat', dtype: 'float32', shape: ['B', c.imageDim] },
      { name: 'text_feat', dtype: 'float32', shape: ['B', c.textDim] },
    ],
    forward(ctx) {
      const x = concat([ctx.input('image_feat'), ctx.input('text_feat')], 1); // (B, D)
      const h = activate(applyLinear(ctx, 'answer_fc1', ctx.dropout(applyLayerNorm(ctx, 'answer_in_norm', x), c.dropout)), c.activation); // (B, H)
      const raw = applyLinear(ctx, 'answer_fc2', ctx.dropout(applyLayerNorm(ctx, 'answer_hidden_norm', h), c.dropout)); // (B, C)
      const typeLogits = applyLinear(ctx, 'type_fc', h); // (B, T)
      const gate = sigmoid(applyLinear(ctx, 'type_to_answer', typeLogits)); // (B, C)
      const answerLogits = mul(raw, gate); // (B, C)
      const u = applyLinear(ctx, 'answerable_fc1', applyLayerNorm(ctx, 'answerable_norm', x)); // (B, A)
      const answerable = squeeze(applyLinear(ctx, 'answerable_fc2', u), [1]); // (B)
      return {
        answer_logits: answerLogits,
        answer_logits_raw: raw,
        type_logits: typeLogits,
        type_gate: gate,
        hidden: h,
        answerable_logit: answerable,
      };
    },
  };
}

function weighted(loss: Value, w: number): Value {
  return w === 1 ? loss : mul(loss, w);
}

export function clipLinearLoss(config: Partial<ClipLinearConfig> = {}): LossDef {
  const w = { ...CLIP_LINEAR_DEFAULTS.lossWeights, ...config.lossWeights };
  return {
    inputs: [
      { name: 'answer_label', dtype: 'int64', shape: ['B'] },
      { name: 'type_label', dtype: 'int64', shape: ['B'] },
      { name: 'answerable', dtype: 'float32', shape: ['B'] },
    ],
    totalName: 'loss_total',
    build(ctx, out) {
      const lossAnswer = softmaxCrossEntropy(out.answer_logits as Value, ctx.input('answer_label')); // ()
      const lossType = softmaxCrossEntropy(out.type_logits as Value, ctx.input('type_label')); // ()
      const lossAnswerable = bceWithLogits(out.answerable_logit as Value, ctx.input('answerable')); // ()
      const total = add(add(weighted(lossAnswer, w.answer), weighted(lossType, w.type)), weighted(lossAnswerable, w.answerable));
      return { total, terms: { loss_answer: lossAnswer, loss_type: lossType, loss_answerable: lossAnswerable } };
    },
  };
}
