/**
 * Host-side attention biases, position ids and labels of PaliGemma batches, as transformers 4.44.2 builds them:
 * - inference (no labels): every token attends to every real token (bidirectional over image + prompt);
 * - training (token_type_ids and labels): the prefix (token type 0: image, bos, prompt, separator) is bidirectional,
 *   the suffix (token type 1: answer, eos) causal; padded keys are masked. (4.44 would also let a query see padding
 *   with token type 0 placed AFTER it - right padding only - which is a bug this rule leaves out.)
 * - position ids = cumsum(attention_mask), padding set to 1: positions start at 1;
 * - labels: -100 wherever the token is padding (attention_mask 0 or the pad id), as 4.44's final_labels.
 * Masks of 0/1 come as any array of numbers or bigints, row-major (B, T).
 */

import { attentionBias, bidirectionalBias, paddedPositions } from '../gemma/masks.js';

type Flags = ArrayLike<number | bigint>;

const on = (mask: Flags, i: number): boolean => Number(mask[i]) !== 0;

/** Prefix-LM attention: key k is visible from query q iff it is real and (k <= q or k is in the prefix). (B, T, T). */
export function prefixLmBias(mask: Flags, tokenTypes: Flags, batch: number, length: number): Float32Array {
  return attentionBias(batch, length, length, (b, q, k) => on(mask, b * length + k) && (k <= q || !on(tokenTypes, b * length + k)));
}

/** The inference mask (every real key visible), re-exported under PaliGemma's name for it. (B, T, T). */
export const fullPrefixBias = bidirectionalBias;

/** 1-based positions counting real tokens only (transformers 4.44's PaliGemma rule). (B, T). */
export function paligemmaPositions(mask: Flags, batch: number, length: number): BigInt64Array {
  return paddedPositions(mask, batch, length, 1);
}

/** Labels with -100 at padding (attention_mask 0 or the pad id). (B, T). */
export function maskedLabels(labels: Flags, inputIds: Flags, mask: Flags, padTokenId: number, ignoreIndex = -100): BigInt64Array {
  return BigInt64Array.from({ length: labels.length }, (_, i) =>
    on(mask, i) && Number(inputIds[i]) !== padTokenId ? BigInt(labels[i] as number | bigint) : BigInt(ignoreIndex),
  );
}

/**
 * The rows whose logits the loss needs: row b*T + t for every t < T - 1 whose next label is a target, and that
 * target. The loss then scores only these rows (the tied head over 257k words is the costliest matmul).
 */
export function lossRowsOf(labels: Flags, batch: number, length: number, ignoreIndex = -100): { rows: BigInt64Array; targets: BigInt64Array } {
  const rows: bigint[] = [];
  const targets: bigint[] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t + 1 < length; t++) {
      const next = Number(labels[b * length + t + 1]);
      if (next === ignoreIndex) continue;
      rows.push(BigInt(b * length + t));
      targets.push(BigInt(next));
    }
  }
  return { rows: BigInt64Array.from(rows), targets: BigInt64Array.from(targets) };
}
