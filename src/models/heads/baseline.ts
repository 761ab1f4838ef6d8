/**
 * The baseline VQA head of the reproduced report: ResNet-50 image features (2048-d) concatenated with a
 * bag-of-words / one-hot question vector, then a linear classifier over the answers (optionally one hidden layer with
 * ReLU), plus an answerability logit from the same input so predictions carry an answerable confidence.
 *   x = concat(image, question)                                 (B, Di + V)
 *   answer_logits = answer_fc(dropout(x))                        (B, C)        hidden = 0
 *                 = answer_fc2(dropout(relu(answer_fc1(x))))     (B, C)        hidden > 0
 *   answerable_logit = answerable_fc(x)[:, 0]                    (B)
 * Loss: CE(answer) + wU * BCE-with-logits(answerable), batch means.
 */

import type { LossDef, ModelDef, ParamSpec } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import { add, bceWithLogits, concat, mul, relu, softmaxCrossEntropy, squeeze } from '../../engine/ops/index.js';
import { applyLinear, linearParams } from './layers.js';

export interface BaselineConfig {
  imageDim: number; // 2048 (ResNet-50 pooled features)
  questionDim: number; // size of the question bag-of-words vocabulary
  hidden: number; // 0 = a single linear layer
  numAnswers: number;
  dropout: number; // 0.5 before the classifier; training graphs only
  answerableWeight: number; // 1
}

export const BASELINE_DEFAULTS: BaselineConfig = {
  imageDim: 2048,
  questionDim: 1000,
  hidden: 0,
  numAnswers: 3000,
  dropout: 0.5,
  answerableWeight: 1,
};

export function baselineParams(c: BaselineConfig): ParamSpec[] {
  const d = c.imageDim + c.questionDim;
  const answer =
    c.hidden > 0
      ? [...linearParams('answer_fc1', d, c.hidden), ...linearParams('answer_fc2', c.hidden, c.numAnswers)]
      : linearParams('answer_fc', d, c.numAnswers);
  return [...answer, ...linearParams('answerable_fc', d, 1)];
}

export function baselineHead(config: Partial<BaselineConfig> = {}): ModelDef {
  const c = { ...BASELINE_DEFAULTS, ...config };
  return {
    name: 'baseline',
    params: baselineParams(c),
    inputs: [
      { name: 'image_feat', dtype: 'float32', shape: ['B', c.imageDim] },
      { name: 'question_bow', dtype: 'float32', shape: ['B', c.questionDim] },
    ],
    forward(ctx) {
      const x = concat([ctx.input('image_feat'), ctx.input('question_bow')], 1); // (B, D)
      const answerLogits =
        c.hidden > 0
          ? applyLinear(ctx, 'answer_fc2', ctx.dropout(relu(applyLinear(ctx, 'answer_fc1', x)), c.dropout)) // (B, C)
          : applyLinear(ctx, 'answer_fc', ctx.dropout(x, c.dropout)); // (B, C)
      const answerable = squeeze(applyLinear(ctx, 'answerable_fc', x), [1]); // (B)
      return { answer_logits: answerLogits, answerable_logit: answerable };
    },
  };
}

export function baselineLoss(config: Partial<BaselineConfig> = {}): LossDef {
  const w = config.answerableWeight ?? BASELINE_DEFAULTS.answerableWeight;
  return {
    inputs: [
      { name: 'answer_label', dtype: 'int64', shape: ['B'] },
      { name: 'answerable', dtype: 'float32', shape: ['B'] },
    ],
    totalName: 'loss_total',
    build(ctx, out) {
      const lossAnswer = softmaxCrossEntropy(out.answer_logits as Value, ctx.input('answer_label')); // ()
      const lossAnswerable = bceWithLogits(out.answerable_logit as Value, ctx.input('answerable')); // ()
      const total = add(lossAnswer, w === 1 ? lossAnswerable : mul(lossAnswerable, w));
      return { total, terms: { loss_answer: lossAnswer, loss_answerable: lossAnswerable } };
    },
  };
}
