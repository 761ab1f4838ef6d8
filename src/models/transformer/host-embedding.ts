/**
 * An embedding table read on the host: rows of token ids copied out of a float32 table, or dequantized out of its
 * quantized parts (the tied Gemma table under `--quantize`, where the graph reads it only for the output head): from
 * blocks, or - per-channel int8, stored transposed - one strided column per token.
 */

import { blocksPerRow, dequantizeRows, zeroPointRowBytes, type QuantizedMatrix, type QuantScheme } from '../../engine/block-quantize.js';
import { quantizedPartNames } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import { VizWizError } from '../../errors.js';

export interface HostEmbedding {
  readonly rows: number;
  readonly width: number;
  /** Copies the (unscaled) row of token `id` into `out` at `offset`. */
  copyRow(id: number, out: Float32Array, offset: number): void;
  /** The rows of `ids`, one after another (n, width). */
  lookup(ids: ArrayLike<number>): Float32Array;
}

function make(rows: number, width: number, copyRow: HostEmbedding['copyRow']): HostEmbedding {
  const check = (id: number): void => {
    if (!(Number.isInteger(id) && id >= 0 && id < rows))
      throw new VizWizError('INVALID_ARGUMENT', `token id ${id} is outside the embedding table (${rows} rows)`);
  };
  return {
    rows,
    width,
    copyRow(id, out, offset) {
      check(id);
      copyRow(id, out, offset);
    },
    lookup(ids) {
      const out = new Float32Array(ids.length * width);
      for (let i = 0; i < ids.length; i++) this.copyRow(ids[i] as number, out, i * width);
      return out;
    },
  };
}

/**
 * The table `name` [rows, width] of `weights`: its float32 array, or - when `scheme` is given - its quantized parts
 * (quantized-weights.ts names). The arrays are referenced, not copied.
 */
export function hostEmbedding(weights: ReadonlyMap<string, WeightArray>, name: string, rows: number, width: number, scheme?: QuantScheme): HostEmbedding {
  if (!scheme) {
    const table = weights.get(name);
    if (!(table instanceof Float32Array) || table.length !== rows * width)
      throw new VizWizError('INVALID_CHECKPOINT', `no float32 '${name}' [${rows}, ${width}] among the weights`);
    return make(rows, width, (id, out, offset) => out.set(table.subarray(id * width, (id + 1) * width), offset));
  }
  const parts = quantizedPartNames(name);
  const packed = weights.get(parts.packed);
  const scales = weights.get(parts.scales);
  const zeroPoints = scheme.symmetric ? null : weights.get(parts.zeroPoints);
  const scaleCount = scheme.channels ? rows : rows * blocksPerRow(width, scheme.blockSize);
  if (!(packed instanceof Uint8Array) || !(scales instanceof Float32Array) || scales.length !== scaleCount)
    throw new VizWizError('INVALID_CHECKPOINT', `no quantized '${name}' [${rows}, ${width}] among the weights`);
  if (!scheme.symmetric && (!(zeroPoints instanceof Uint8Array) || zeroPoints.length !== rows * zeroPointRowBytes(scheme, width)))
    throw new VizWizError('INVALID_CHECKPOINT', `no zero points for the quantized '${name}' among the weights`);
  const q: QuantizedMatrix = { scheme, n: rows, k: width, packed, scales, zeroPoints: (zeroPoints as Uint8Array | null | undefined) ?? null };
  const rowOut = new Float32Array(width);
  return make(rows, width, (id, out, offset) => out.set(dequantizeRows(q, id, id + 1, rowOut), offset));
}
