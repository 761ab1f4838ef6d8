/** Fidelity measures of a quantized model against float32: logit errors and greedy-token agreement. */

export function logitErrors(got: Float32Array, reference: Float32Array): { max: number; mean: number } {
  if (got.length !== reference.length) throw new Error(`${got.length} logits vs ${reference.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - reference[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / got.length };
}

/** Fraction of positions where both sequences chose the same token. */
export function tokenAgreement(got: readonly number[], reference: readonly number[]): number {
  if (got.length !== reference.length || got.length === 0) throw new Error(`${got.length} tokens vs ${reference.length}`);
  return got.filter((t, i) => t === reference[i]).length / got.length;
}
