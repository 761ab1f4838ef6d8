/**
 * Patch embedding of a ViT: a Conv2d with kernel = stride = patch (`<name>.weight` [D, C, p, p], bias optional: CLIP has
 * none, SigLIP has one) over NCHW pixels, flattened to tokens in row-major patch order.
 *   pixels (B, C, S, S) -> (B, N, D), N = (S / p)^2
 * Two equivalent forms: 'matmul' cuts the image into patches with Reshape/Transpose and multiplies by the weight viewed
 * as [D, C*p*p] (only ops with gradient rules); 'conv' is one Conv node followed by a reshape to tokens.
 */

import type { Value } from '../../engine/graph.js';
import type { ParamSpec } from '../../engine/model.js';
import type { Weights } from './weights.js';
import { add, conv2d, linear, reshape, transpose } from '../../engine/ops/index.js';
import { INIT_STD } from './params.js';

export type PatchEmbedMethod = 'matmul' | 'conv';

export interface PatchEmbedShape {
  channels: number; // C: 3
  imageSize: number; // S: 336
  patchSize: number; // p: 14
  hidden: number; // D
}

function patchGrid(s: PatchEmbedShape): number {
  if (s.imageSize % s.patchSize !== 0) throw new Error(`image size ${s.imageSize} is not a multiple of patch size ${s.patchSize}`);
  return s.imageSize / s.patchSize;
}

export function patchEmbedParams(name: string, s: PatchEmbedShape, bias: boolean): ParamSpec[] {
  const w: ParamSpec = { name: `${name}.weight`, shape: [s.hidden, s.channels, s.patchSize, s.patchSize], init: { kind: 'normal', std: INIT_STD } };
  return bias ? [w, { name: `${name}.bias`, shape: [s.hidden], init: { kind: 'constant', value: 0 } }] : [w];
}

export function patchEmbed(w: Weights, name: string, pixels: Value, s: PatchEmbedShape, bias: boolean, method: PatchEmbedMethod = 'matmul'): Value {
  const g = patchGrid(s);
  const p = s.patchSize;
  const b = bias ? w(`${name}.bias`) : null;
  if (method === 'conv') {
    const y = conv2d(pixels, w(`${name}.weight`), b, { stride: p }); // (B, D, g, g)
    return transpose(reshape(y, [0, s.hidden, g * g]), [0, 2, 1]); // (B, N, D)
  }
  const cut = reshape(pixels, [0, s.channels, g, p, g, p]); // (B, C, g, p, g, p)
  const patches = reshape(transpose(cut, [0, 2, 4, 1, 3, 5]), [0, g * g, s.channels * p * p]); // (B, N, C*p*p)
  const kernel = reshape(w(`${name}.weight`), [s.hidden, s.channels * p * p]); // (D, C*p*p)
  const y = linear(patches, kernel, null); // (B, N, D)
  return b ? add(y, b) : y;
}
