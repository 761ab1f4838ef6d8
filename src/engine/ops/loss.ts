/**
 * Losses with mean reduction over the batch:
 * - softmax cross-entropy with integer labels: the mean of -logSoftmax(logits)[label], built from primitives (the
 *   WebGPU provider has no SoftmaxCrossEntropyLoss kernel; onnxruntime would expand it into a LogSoftmax and index
 *   ops on the CPU); autodiff gives d logits = (softmax - onehot) / N through the primitives' rules;
 * - binary cross-entropy with logits, in the numerically stable form relu(x) - x*y + log(1 + exp(-|x|)), built from
 *   primitives (each with its own gradient rule).
 */

import type { Value } from '../graph.js';
import { abs, add, exp, log, mul, neg, sub } from './elementwise.js';
import { logSoftmax, relu } from './activation.js';
import { gatherElements } from './gather-elements.js';
import { meanAll } from './reduce.js';
import { unsqueeze } from './shape.js';

/** mean over rows of -log softmax(logits)[label]; logits (N, C), labels (N) int64. */
export function softmaxCrossEntropy(logits: Value, labels: Value): Value {
  if (logits.rank !== 2 || labels.rank !== 1) throw new Error('softmaxCrossEntropy expects logits (N, C) and labels (N)');
  const picked = gatherElements(logSoftmax(logits, 1), unsqueeze(labels, [1]), 1); // (N, 1)
  return neg(meanAll(picked)); // ()
}

/** mean of BCE(sigmoid(logits), targets); logits and targets of the same shape, targets in [0, 1]. */
export function bceWithLogits(logits: Value, targets: Value): Value {
  // relu(x) - x*y + log(1 + exp(-|x|)): never exponentiates a positive number. Log(1 + Exp) rather than Softplus
  // keeps the graph valid in float64 (ORT has no float64 Softplus); exp(-|x|) <= 1 so nothing overflows.
  const perElement = add(sub(relu(logits), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)));
  return meanAll(perElement);
}
