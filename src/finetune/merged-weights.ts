/**
 * Base weights with adapters folded in (W + scaling * B @ A, src/models/lora/merge.ts) for generation during a
 * fine-tune: the adapted modules get their own arrays, allocated once, and every other weight is the base array
 * itself. `update` re-merges new adapters into the same arrays, so inference sessions bound to `weights` see the new
 * values without being rebuilt, and the base arrays are never written. Memory: one extra copy of the adapted
 * matrices (for PaliGemma-3B with the default targets, about 2/3 of the weights).
 */

import type { LoraSet } from '../models/lora/adapters.js';
import { mergeAdapters } from '../models/lora/merge.js';

export class MergedWeights {
  readonly weights: Map<string, Float32Array>;
  private readonly copies: [base: Float32Array, copy: Float32Array][] = [];

  constructor(
    base: ReadonlyMap<string, Float32Array>,
    private readonly set: LoraSet,
  ) {
    this.weights = new Map(base);
    for (const m of set.modules) {
      const name = `${m.module}.weight`;
      const w = base.get(name);
      if (!w) throw new Error(`no base weight '${name}' to merge into`);
      const copy = w.slice();
      this.weights.set(name, copy);
      this.copies.push([w, copy]);
    }
  }

  /** Sets the adapted weights to base + the merge of `adapters`. */
  update(adapters: ReadonlyMap<string, Float32Array>): void {
    for (const [base, copy] of this.copies) copy.set(base);
    mergeAdapters(this.weights, this.set, adapters, { inPlace: true });
  }
}
