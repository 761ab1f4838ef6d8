/**
 * Gradient rule of SoftmaxCrossEntropyLoss (mean reduction, no weights, no ignore_index):
 *   d logits = (softmax(logits) - onehot(labels)) * dloss / N,
 * with softmax recovered from the op's saved log-probabilities and the one-hot subtraction done in place by a
 * ScatterElements 'add' of -1 at each row's label, so no dense one-hot tensor is built.
 */

import { div, exp, mul } from '../ops/elementwise.js';
import { dimSize, shapeOf } from '../ops/cast.js';
import { unsqueeze } from '../ops/shape.js';
import { dy0, input, output, type GradRule } from './types.js';

const softmaxCrossEntropyRule: GradRule = (ctx) => {
  if (ctx.node.inputs.length > 2) throw new Error('SoftmaxCrossEntropyLoss gradient: class weights are not supported');
  const red = ctx.node.attrs.reduction;
  if (!red || red.kind !== 'string' || red.value !== 'mean') throw new Error("SoftmaxCrossEntropyLoss gradient: only reduction 'mean' is supported");
  if (!ctx.needs[0]) return [null, null];
  const logits = input(ctx, 0); // (N, C)
  const labels = input(ctx, 1); // (N)
  const logProb = output(ctx, 1); // (N, C)
  const g = logits.graph;
  const idx = unsqueeze(labels, [1]); // (N, 1)
  const minusOne = g.op(
    'ConstantOfShape',
    [shapeOf(idx)],
    { dtype: logits.dtype, shape: idx.shape },
    {
      value: { kind: 'tensor', value: { name: 'value', dtype: logits.dtype, dims: [1], raw: scalarBytes(-1, logits.dtype) } },
    },
  ); // (N, 1)
  const p = exp(logProb); // (N, C)
  const pMinusY = g.op(
    'ScatterElements',
    [p, idx, minusOne],
    { dtype: logits.dtype, shape: logits.shape },
    {
      axis: { kind: 'int', value: 1 },
      reduction: { kind: 'string', value: 'add' },
    },
  ); // (N, C)
  const scale = div(dy0(ctx), dimSize(logits, 0, logits.dtype)); // ()
  return [mul(pMinusY, scale), null];
};

function scalarBytes(v: number, dtype: string): Uint8Array {
  const a = dtype === 'float64' ? Float64Array.of(v) : Float32Array.of(v);
  return new Uint8Array(a.buffer);
}

export const lossRules: Readonly<Record<string, GradRule>> = { SoftmaxCrossEntropyLoss: softmaxCrossEntropyRule };
