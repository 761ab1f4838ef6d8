/**
 * Convolutional-network ops on NCHW tensors: Conv (strides, pads, dilations, groups, optional bias),
 * BatchNormalization in inference mode (running statistics), MaxPool, GlobalAveragePool and Flatten.
 * INFERENCE ONLY: these ops have no gradient rules (grad/registry.ts knows none of them), so a graph that
 * differentiates through them fails at build time; they serve frozen encoders (ResNet-50) and extraction graphs.
 * Output shapes follow ONNX (floor mode): out = floor((in + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
 * a symbolic spatial dim yields a fresh symbolic dim.
 */

import type { Dim, Value } from '../graph.js';
import { showShape } from '../shape.js';

type Pair = readonly [number, number];

/** A per-axis setting given once for both spatial axes or as [h, w]. */
export type Hw = number | Pair;

export interface Conv2dOptions {
  stride?: Hw; // 1
  /** Symmetric padding per axis (h, w), or [top, left, bottom, right] as ONNX orders `pads`. */
  pad?: Hw | readonly [number, number, number, number]; // 0
  dilation?: Hw; // 1
  groups?: number; // 1
}

export interface Pool2dOptions {
  kernel: Hw;
  stride?: Hw; // = kernel
  pad?: Hw | readonly [number, number, number, number]; // 0
}

function hw(v: Hw | undefined, dflt: number): Pair {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/** ONNX `pads`: [top, left, bottom, right]. */
function pads4(p: Conv2dOptions['pad']): [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  if (typeof p === 'number') return [p, p, p, p];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  return [p[0], p[1], p[2], p[3]];
}

function spatialOut(x: Value, axis: number, k: number, stride: number, padSum: number, dilation: number): Dim {
  const d = x.shape[axis] as Dim;
  if (typeof d !== 'number') return `${x.name}_s${axis}`;
  const out = Math.floor((d + padSum - dilation * (k - 1) - 1) / stride) + 1;
  if (out < 1) throw new Error(`window ${k} (dilation ${dilation}, padding ${padSum}) does not fit dim ${axis} of ${showShape(x.shape)}`);
  return out;
}

function need4(x: Value, what: string): void {
  if (x.rank !== 4) throw new Error(`${what} needs an NCHW (rank-4) input, got ${showShape(x.shape)}`);
}

function ints(value: readonly number[]): { kind: 'ints'; value: readonly number[] } {
  return { kind: 'ints', value };
}

/** torch.nn.functional.conv2d: x (B, C, H, W), weight (O, C / groups, kh, kw), bias (O) or null -> (B, O, H', W'). */
export function conv2d(x: Value, weight: Value, bias: Value | null, o: Conv2dOptions = {}): Value {
  need4(x, 'conv2d');
  const [out, cPerGroup, kh, kw] = weight.shape;
  if (weight.rank !== 4 || typeof out !== 'number' || typeof kh !== 'number' || typeof kw !== 'number') {
    throw new Error(`conv2d: the weight needs a static (O, C/g, kh, kw) shape, got ${showShape(weight.shape)}`);
  }
  const groups = o.groups ?? 1;
  const c = x.shape[1] as Dim;
  if (typeof c === 'number' && typeof cPerGroup === 'number' && c !== cPerGroup * groups) {
    throw new Error(`conv2d: input has ${c} channels, weight ${showShape(weight.shape)} with ${groups} group(s) expects ${Number(cPerGroup) * groups}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== out)) throw new Error(`conv2d: bias ${showShape(bias.shape)} does not fit ${out} output channels`);
  const stride = hw(o.stride, 1);
  const dil = hw(o.dilation, 1);
  const pads = pads4(o.pad);
  const shape = [
    x.shape[0] as Dim,
    out,
    spatialOut(x, 2, kh, stride[0], pads[0] + pads[2], dil[0]),
    spatialOut(x, 3, kw, stride[1], pads[1] + pads[3], dil[1]),
  ];
  const attrs = {
    kernel_shape: ints([kh, kw]),
    strides: ints(stride),
    pads: ints(pads),
    dilations: ints(dil),
    group: { kind: 'int' as const, value: groups },
  };
  return x.graph.op('Conv', bias ? [x, weight, bias] : [x, weight], { dtype: x.dtype, shape }, attrs);
}

/**
 * BatchNorm2d in eval mode: (x - mean) / sqrt(var + eps) * scale + bias per channel, x (B, C, H, W) -> (B, C, H, W).
 * Statistics are the running ones (training_mode 0); nothing is updated.
 */
export function batchNorm(x: Value, scale: Value, bias: Value, mean: Value, variance: Value, eps = 1e-5): Value {
  if (x.rank < 2) throw new Error(`batchNorm needs (B, C, ..), got ${showShape(x.shape)}`);
  return x.graph.op('BatchNormalization', [x, scale, bias, mean, variance], { dtype: x.dtype, shape: x.shape }, { epsilon: { kind: 'float', value: eps } });
}

/** torch.nn.MaxPool2d (floor mode, padding with -inf): x (B, C, H, W) -> (B, C, H', W'). */
export function maxPool2d(x: Value, o: Pool2dOptions): Value {
  need4(x, 'maxPool2d');
  const k = hw(o.kernel, 1);
  const stride = hw(o.stride ?? o.kernel, 1);
  const pads = pads4(o.pad);
  const shape = [
    x.shape[0] as Dim,
    x.shape[1] as Dim,
    spatialOut(x, 2, k[0], stride[0], pads[0] + pads[2], 1),
    spatialOut(x, 3, k[1], stride[1], pads[1] + pads[3], 1),
  ];
  return x.graph.op('MaxPool', [x], { dtype: x.dtype, shape }, { kernel_shape: ints(k), strides: ints(stride), pads: ints(pads) });
}

/** Mean over the spatial axes, kept as 1 x 1: x (B, C, H, W) -> (B, C, 1, 1) (torch AdaptiveAvgPool2d(1)). */
export function globalAveragePool(x: Value): Value {
  if (x.rank < 3) throw new Error(`globalAveragePool needs (B, C, spatial..), got ${showShape(x.shape)}`);
  const shape = x.shape.map((d, i) => (i < 2 ? d : 1));
  return x.graph.op('GlobalAveragePool', [x], { dtype: x.dtype, shape });
}

/** Collapses axes [axis, rank) into one: (d0, .., d_axis-1, prod(rest)); the leading part is also collapsed to 2-D as ONNX Flatten does. */
export function flatten(x: Value, axis = 1): Value {
  const prod = (ds: readonly Dim[], tag: string): Dim =>
    ds.every((d) => typeof d === 'number') ? (ds as number[]).reduce((a, b) => a * b, 1) : ds.length === 1 ? (ds[0] as Dim) : `${x.name}_${tag}`;
  const shape = [prod(x.shape.slice(0, axis), 'lead'), prod(x.shape.slice(axis), 'flat')];
  return x.graph.op('Flatten', [x], { dtype: x.dtype, shape }, { axis: { kind: 'int', value: axis } });
}
