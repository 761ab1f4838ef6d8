/**
 * Shared by the PaliGemma tests: golden batches read as PaliGemmaBatch objects (prefix `train.`, `infer.`, `b1.` or
 * none), and comparisons restricted to real (unpadded) positions. Golden folders come from `$VIZWIZ_GOLDEN_DIR`.
 */

import type { PaliGemmaBatch } from '../../../src/models/paligemma/feeds.js';
import { assertClose, tensor, type Tensors } from '../gemma/helpers.js';

export function goldenBatch(inputs: Tensors, prefix: string): PaliGemmaBatch {
  const ids = tensor(inputs, `${prefix}input_ids`);
  const [batch, length] = ids.shape as [number, number];
  const b: PaliGemmaBatch = {
    batch,
    length,
    inputIds: ids.data as BigInt64Array,
    attentionMask: (inputs.get(`${prefix}attention_mask`)?.data as BigInt64Array) ?? new BigInt64Array(batch * length).fill(1n),
    pixelValues: tensor(inputs, `${prefix}pixel_values`).data as Float32Array,
  };
  if (inputs.has(`${prefix}token_type_ids`)) b.tokenTypeIds = tensor(inputs, `${prefix}token_type_ids`).data as BigInt64Array;
  if (inputs.has(`${prefix}labels`)) b.labels = tensor(inputs, `${prefix}labels`).data as BigInt64Array;
  return b;
}

/** Rows (B, T, W) kept only where attention_mask is 1, flattened. */
export function realRows(a: ArrayLike<number>, mask: ArrayLike<number | bigint>, width: number): Float32Array {
  const keep: number[] = [];
  for (let i = 0; i < mask.length; i++) if (Number(mask[i]) !== 0) keep.push(i);
  const out = new Float32Array(keep.length * width);
  keep.forEach((r, k) => {
    for (let j = 0; j < width; j++) out[k * width + j] = a[r * width + j] as number;
  });
  return out;
}

/** assertClose over the real positions of (B, T, W) tensors. */
export function assertCloseReal(name: string, got: ArrayLike<number>, expected: ArrayLike<number>, mask: ArrayLike<number | bigint>, width: number): number {
  return assertClose(name, realRows(got, mask, width), realRows(expected, mask, width));
}

/** `base` with `pad` padding tokens before every row (attention mask 0 there): the same prompts, left-padded. */
export function leftPadded(base: PaliGemmaBatch, pad: number, padTokenId: number): PaliGemmaBatch {
  const t = base.length + pad;
  const inputIds = new BigInt64Array(base.batch * t).fill(BigInt(padTokenId));
  const attentionMask = new BigInt64Array(base.batch * t);
  for (let r = 0; r < base.batch; r++) {
    inputIds.set(base.inputIds.subarray(r * base.length, (r + 1) * base.length), r * t + pad);
    attentionMask.fill(1n, r * t + pad, (r + 1) * t);
  }
  return { ...base, length: t, inputIds, attentionMask };
}
