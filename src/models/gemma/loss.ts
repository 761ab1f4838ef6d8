/**
 * The causal-LM loss as transformers computes it: position t predicts labels[t + 1]; labels equal to -100 are ignored;
 * the mean is over the remaining targets (NaN when none remain, as torch).
 *   targets = concat(labels[:, 1:], -100)                 (B, T)  - shifting labels, not logits, keeps every sliced
 *                                                                   axis an integer one, so T may stay symbolic
 *   loss = sum_t -log_softmax(logits_t)[targets_t] * valid_t / sum_t valid_t
 */

import type { Value } from '../../engine/graph.js';
import type { LossDef } from '../../engine/model.js';
import { add, concat, div, equal, gatherElements, logSoftmax, mul, neg, reduceSum, slice, squeeze, unsqueeze, where } from '../../engine/ops/index.js';
import { reshapeTo } from '../transformer/shapes.js';

const IGNORE_INDEX = -100;

/** Mean next-token cross-entropy of logits (B, T, V) against labels (B, T) int64. */
export function shiftedCrossEntropy(logits: Value, labels: Value): Value {
  const g = logits.graph;
  const [b, t, v] = logits.shape;
  const n = typeof b === 'number' && typeof t === 'number' ? b * t : `${String(b)}*${String(t)}`;
  const fill = add(mul(slice(labels, 1, 0, 1), 0), IGNORE_INDEX); // (B, 1) of -100
  const shifted = concat([slice(labels, 1, 1, Number.MAX_SAFE_INTEGER), fill], 1); // (B, T)
  const targets = reshapeTo(shifted, [-1], [n]); // (N)
  const ignored = equal(targets, IGNORE_INDEX); // (N) bool
  const safe = where(ignored, g.scalar(0, 'int64'), targets); // (N) int64
  const weight = where(ignored, g.scalar(0, logits.dtype), g.scalar(1, logits.dtype)); // (N)
  const logProb = logSoftmax(reshapeTo(logits, [-1, v as number], [n, v as number]), -1); // (N, V)
  const picked = squeeze(gatherElements(logProb, unsqueeze(safe, [1]), 1), [1]); // (N)
  return div(reduceSum(mul(neg(picked), weight), [0]), reduceSum(weight, [0])); // ()
}

/** LossDef over a model output `logits` (B, T, V) with an int64 `labels` (B, T) input; the total is `loss`. */
export function causalLmLoss(): LossDef {
  return {
    inputs: [{ name: 'labels', dtype: 'int64', shape: ['B', 'T'] }],
    totalName: 'loss',
    build(ctx, out) {
      const logits = out.logits;
      if (!logits) throw new Error("causalLmLoss: the model has no 'logits' output");
      return { total: shiftedCrossEntropy(logits, ctx.input('labels')), terms: {} };
    },
  };
}
