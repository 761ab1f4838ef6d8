/**
 * Host-side attention biases and position ids for the Gemma graphs. A bias is additive: 0 where a query may attend
 * to a key, MASKED where not. MASKED is float32's lowest value, which HF fills in too: a fully masked row (a padded
 * query) then softmaxes to a uniform row instead of NaN, and a masked key gets exactly zero weight elsewhere.
 * The biases stay float32 with this value in float16 graphs too: there the graph raises it to a value float16 holds
 * (decoder.ts halfSafeBias), so callers feed float32 whatever the compute dtype.
 * Masks of 0/1 (HF's attention_mask) come as any array of numbers or bigints, row-major (B, T).
 */

export const MASKED = -3.4028234663852886e38;

type Flags = ArrayLike<number | bigint>;

const on = (mask: Flags, i: number): boolean => Number(mask[i]) !== 0;

/** (B, Q, K) bias from a predicate over (row, query, key). */
export function attentionBias(batch: number, queries: number, keys: number, allowed: (b: number, q: number, k: number) => boolean): Float32Array {
  const out = new Float32Array(batch * queries * keys);
  let o = 0;
  for (let b = 0; b < batch; b++) for (let q = 0; q < queries; q++) for (let k = 0; k < keys; k++) out[o++] = allowed(b, q, k) ? 0 : MASKED;
  return out;
}

/** Causal attention over real tokens (HF's default for a decoder): key k <= query q and not padding. (B, T, T). */
export function causalBias(mask: Flags, batch: number, length: number): Float32Array {
  return attentionBias(batch, length, length, (b, q, k) => k <= q && on(mask, b * length + k));
}

/** Every query attends to every real key (PaliGemma's prompt at inference). (B, T, T). */
export function bidirectionalBias(mask: Flags, batch: number, length: number): Float32Array {
  return attentionBias(batch, length, length, (b, _q, k) => on(mask, b * length + k));
}

/** One new query per row over `keys` cached-plus-new positions: 0 where keyValid (B, keys) is set. (B, 1, keys). */
export function stepBias(keyValid: Flags, batch: number, keys: number): Float32Array {
  return attentionBias(batch, 1, keys, (b, _q, k) => on(keyValid, b * keys + k));
}

/** Positions start, start+1, .. for every row (HF's default when no position ids are passed). (B, T). */
export function arangePositions(batch: number, length: number, start = 0): BigInt64Array {
  return BigInt64Array.from({ length: batch * length }, (_, i) => BigInt(start + (i % length)));
}

/**
 * Positions counting real tokens only: cumsum(mask) - 1 + offset, padding set to 1 (HF generate's rule; offset 1 gives
 * PaliGemma 4.44's 1-based positions). (B, T).
 */
export function paddedPositions(mask: Flags, batch: number, length: number, offset = 0): BigInt64Array {
  const out = new BigInt64Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let t = 0; t < length; t++) {
      const i = b * length + t;
      if (on(mask, i)) out[i] = BigInt(seen++ + offset);
      else out[i] = 1n;
    }
  }
  return out;
}
