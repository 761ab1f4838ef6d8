/**
 * A random batch for the clip-linear head's training graphs (engine tests): image and text features from N(0, 1),
 * answer and type labels, and the answerable flag, drawn from `rng` in that order.
 */

import { Tensor } from '../../src/engine/tensor.js';
import type { Rng } from '../../src/random/rng.js';

export interface HeadDims {
  imageDim: number;
  textDim: number;
  numAnswers: number;
  numTypes: number;
}

export function headBatch(rng: Rng, c: HeadDims, b: number): Record<string, Tensor> {
  const normals = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  const labels = (k: number): BigInt64Array => BigInt64Array.from({ length: b }, () => BigInt(rng.int(k)));
  return {
    image_feat: Tensor.f32(normals(b * c.imageDim), [b, c.imageDim]),
    text_feat: Tensor.f32(normals(b * c.textDim), [b, c.textDim]),
    answer_label: Tensor.i64(labels(c.numAnswers), [b]),
    type_label: Tensor.i64(labels(c.numTypes), [b]),
    answerable: Tensor.f32(
      Float32Array.from({ length: b }, () => rng.int(2)),
      [b],
    ),
  };
}
