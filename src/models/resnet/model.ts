/**
 * ResNet (torchvision Bottleneck layout, "v1.5": stride on the 3x3 conv) forward as graph-building code:
 *   conv1 7x7/s2/p3 -> bn1 -> relu -> maxpool 3x3/s2/p1 = stem
 *   -> layer1..N (bottlenecks: 1x1 -> bn -> relu -> 3x3 -> bn -> relu -> 1x1 -> bn, + identity or downsample, relu)
 *   -> global average pool = pooled -> fc = logits.
 * Outputs: `stem`, `layer1`..`layerN` (B, C, H, W), `pooled` (B, C) and `logits` (B, classes) when the checkpoint has
 * an fc. Inference only. BatchNorm is either folded into the convs beforehand (fold.ts; the graph has Conv with bias,
 * which ORT fuses with the following Relu / residual Add) or applied as an eval-mode BatchNormalization node.
 * Weights come from a `WeightFn`; in `resnetModel` they are frozen weights, which the engine feeds as inputs or binds
 * as initializers (what ORT's CPU layout optimisations and GPU providers need).
 */

import type { Value } from '../../engine/graph.js';
import type { ModelDef } from '../../engine/model.js';
import { add, batchNorm, conv2d, flatten, globalAveragePool, linear, maxPool2d, relu, type Conv2dOptions } from '../../engine/ops/index.js';
import { resnetBlocks, resnetStateShapes, type BlockLayout, type ResnetConfig } from './config.js';
import { convBnPairs } from './fold.js';

/** Returns the graph value of a named weight. */
export type WeightFn = (name: string) => Value;

/** Names and shapes of the graph's weights: the folded set (conv weight + bias, fc) or the raw state dict. */
function resnetGraphShapes(c: ResnetConfig, foldedBn: boolean): Map<string, number[]> {
  const state = resnetStateShapes(c);
  if (!foldedBn) return state;
  const m = new Map<string, number[]>();
  for (const [conv] of convBnPairs(c)) {
    const shape = state.get(`${conv}.weight`) as number[];
    m.set(`${conv}.weight`, shape);
    m.set(`${conv}.bias`, [shape[0] as number]);
  }
  if (c.numClasses > 0) {
    m.set('fc.weight', state.get('fc.weight') as number[]);
    m.set('fc.bias', state.get('fc.bias') as number[]);
  }
  return m;
}

/** conv then BatchNorm (folded: a conv with bias). */
function convBn(x: Value, w: WeightFn, conv: string, bn: string, o: Conv2dOptions, foldedBn: boolean, eps: number): Value {
  if (foldedBn) return conv2d(x, w(`${conv}.weight`), w(`${conv}.bias`), o);
  const y = conv2d(x, w(`${conv}.weight`), null, o);
  return batchNorm(y, w(`${bn}.weight`), w(`${bn}.bias`), w(`${bn}.running_mean`), w(`${bn}.running_var`), eps);
}

function bottleneck(x: Value, w: WeightFn, b: BlockLayout, foldedBn: boolean, eps: number): Value {
  const p = b.prefix;
  let h = relu(convBn(x, w, `${p}.conv1`, `${p}.bn1`, {}, foldedBn, eps)); // (B, width, H, W)
  h = relu(convBn(h, w, `${p}.conv2`, `${p}.bn2`, { stride: b.stride, pad: 1 }, foldedBn, eps)); // (B, width, H/s, W/s)
  h = convBn(h, w, `${p}.conv3`, `${p}.bn3`, {}, foldedBn, eps); // (B, out, H/s, W/s)
  const skip = b.downsample ? convBn(x, w, `${p}.downsample.0`, `${p}.downsample.1`, { stride: b.stride }, foldedBn, eps) : x;
  return relu(add(h, skip)); // (B, out, H/s, W/s)
}

/** The forward pass from normalised pixels x (B, 3, H, W); returns every named output. */
function resnetForward(x: Value, w: WeightFn, c: ResnetConfig, foldedBn: boolean): Record<string, Value> {
  const out: Record<string, Value> = {};
  let h = relu(convBn(x, w, 'conv1', 'bn1', { stride: 2, pad: 3 }, foldedBn, c.bnEps)); // (B, stem, H/2, W/2)
  h = maxPool2d(h, { kernel: 3, stride: 2, pad: 1 }); // (B, stem, H/4, W/4)
  out.stem = h;
  resnetBlocks(c).forEach((stage, s) => {
    for (const b of stage) h = bottleneck(h, w, b, foldedBn, c.bnEps);
    out[`layer${s + 1}`] = h; // (B, width * expansion, H/4/2^s, W/4/2^s)
  });
  const pooled = flatten(globalAveragePool(h), 1); // (B, C)
  out.pooled = pooled;
  if (c.numClasses > 0) out.logits = linear(pooled, w('fc.weight'), w('fc.bias')); // (B, classes)
  return out;
}

export interface ResnetModelOptions {
  /** Input side (square), e.g. 224. */
  imageSize: number;
  /** Fold BatchNorm into the convs (the weights given to the runner must then be foldBatchNorm's output). Default true. */
  foldedBn?: boolean;
}

/**
 * A ModelDef with input `pixel_values` (B, 3, S, S) for buildInference. Every weight is frozen (ResNet is a feature
 * extractor here): the runner places them - the encoder asks for initializers even on the CPU, where onnxruntime then
 * pre-packs the convolution weights (encoder.ts).
 */
export function resnetModel(c: ResnetConfig, o: ResnetModelOptions): ModelDef {
  const foldedBn = o.foldedBn ?? true;
  const shapes = resnetGraphShapes(c, foldedBn);
  return {
    name: 'resnet',
    params: [],
    frozen: [...shapes].map(([name, shape]) => ({ name, shape })),
    inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['B', 3, o.imageSize, o.imageSize] }],
    forward(ctx) {
      const w: WeightFn = (name) => {
        if (!shapes.has(name)) throw new Error(`resnet: unknown weight '${name}'`);
        return ctx.weight(name);
      };
      return resnetForward(ctx.input('pixel_values'), w, c, foldedBn);
    },
  };
}
