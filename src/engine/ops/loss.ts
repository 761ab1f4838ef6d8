/**
 * Losses with mean reduction over the batch:
 * - softmax cross-entropy with integer labels, as the ONNX SoftmaxCrossEntropyLoss op (its log-probabilities output is
 *   what the gradient rule reuses: d logits = (exp(log_prob) - onehot) / N);
 * - binary cross-entropy with logits, in the numerically stable form relu(x) - x*y + log(1 + exp(-|x|)), built from
 *   primitives (each with its own gradient rule).
 */

import type { Value } from '../graph.js';
import { abs, add, exp, log, mul, neg, sub } from './elementwise.js';
import { relu } from './activation.js';
import { meanAll } from './reduce.js';

/** mean over rows of -log softmax(logits)[label]; logits (N, C), labels (N) int64. */
export function softmaxCrossEntropy(logits: Value, labels: Value): Value {
  if (logits.rank !== 2 || labels.rank !== 1) throw new Error('softmaxCrossEntropy expects logits (N, C) and labels (N)');
  const [loss] = logits.graph.addNode(
    'SoftmaxCrossEntropyLoss',
    [logits, labels],
    [
      { dtype: logits.dtype, shape: [] },
      { dtype: logits.dtype, shape: logits.shape },
    ],
    { reduction: { kind: 'string', value: 'mean' } },
  );
  return loss as Value;
}

/** mean of BCE(sigmoid(logits), targets); logits and targets of the same shape, targets in [0, 1]. */
export function bceWithLogits(logits: Value, targets: Value): Value {
  // relu(x) - x*y + log(1 + exp(-|x|)): never exponentiates a positive number. Log(1 + Exp) rather than Softplus
  // keeps the graph valid in float64 (ORT has no float64 Softplus); exp(-|x|) <= 1 so nothing overflows.
  const perElement = add(sub(relu(logits), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)));
  return meanAll(perElement);
}
