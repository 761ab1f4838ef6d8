/**
 * Batch assembly: gathers rows of the feature matrices and labels into engine tensors named as the graph's inputs.
 * Buffers are reused between batches of the same size, so an epoch allocates only a handful of arrays.
 */
import { Tensor } from '../engine/tensor.js';
import type { FeatureMatrix } from '../features/feature-file.js';
import type { Labels } from './labels.js';

/** Feature matrices by graph input name (e.g. image_feat, text_feat). */
export type FeatureInputs = Readonly<Record<string, FeatureMatrix>>;

export class BatchAssembler {
  private cache = new Map<string, Tensor>();

  constructor(
    private readonly features: FeatureInputs,
    private readonly labels: Labels | undefined,
    /** Which graph inputs to fill (the graph's batch inputs); label inputs are answer_label, type_label, answerable. */
    private readonly inputNames: readonly string[],
  ) {}

  private tensor(name: string, type: 'float32' | 'int64', dims: number[]): Tensor {
    const key = `${name}:${dims.join('x')}`;
    let t = this.cache.get(key);
    if (!t) {
      const n = dims.reduce((a, b) => a * b, 1);
      t = type === 'float32' ? Tensor.f32(new Float32Array(n), dims) : Tensor.i64(new BigInt64Array(n), dims);
      this.cache.set(key, t);
    }
    return t;
  }

  /** The batch made of `rows` (indices into the full arrays). Tensors are valid until the next call of this size. */
  gather(rows: ArrayLike<number>): Record<string, Tensor> {
    const b = rows.length;
    const out: Record<string, Tensor> = {};
    for (const name of this.inputNames) {
      const m = this.features[name];
      if (m) {
        const t = this.tensor(name, 'float32', [b, m.dim]);
        const dst = t.floats();
        for (let i = 0; i < b; i++) {
          const r = rows[i]!;
          dst.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), i * m.dim);
        }
        out[name] = t;
        continue;
      }
      if (!this.labels) throw new Error(`no features or labels for graph input '${name}'`);
      if (name === 'answerable') {
        const t = this.tensor(name, 'float32', [b]);
        const dst = t.floats();
        for (let i = 0; i < b; i++) dst[i] = this.labels.answerable[rows[i]!]!;
        out[name] = t;
      } else if (name === 'answer_label' || name === 'type_label') {
        const src = name === 'answer_label' ? this.labels.answer : this.labels.type;
        const t = this.tensor(name, 'int64', [b]);
        const dst = t.data as BigInt64Array;
        for (let i = 0; i < b; i++) dst[i] = BigInt(src[rows[i]!]!);
        out[name] = t;
      } else {
        throw new Error(`no features or labels for graph input '${name}'`);
      }
    }
    return out;
  }
}

/**
 * Stacks equal-sized batches into tensors shaped (S, B, ..) for multi-step loop graphs. The data are gathered as
 * one (S * B)-row batch and viewed with a leading step axis (no copy).
 */
export function stackBatches(assembler: BatchAssembler, batches: readonly Int32Array[]): Record<string, Tensor> {
  const s = batches.length;
  const b = batches[0]?.length ?? 0;
  const rows = new Int32Array(s * b);
  batches.forEach((batch, i) => rows.set(batch, i * b));
  const flat = assembler.gather(rows);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(flat)) {
    out[name] = t.reshape([s, b, ...t.dims.slice(1)]);
  }
  return out;
}

/** Splits `order` into consecutive batches of `size` (the last one may be smaller). */
export function* batchesOf(order: Int32Array, size: number): Generator<Int32Array> {
  for (let start = 0; start < order.length; start += size) yield order.subarray(start, Math.min(order.length, start + size));
}
