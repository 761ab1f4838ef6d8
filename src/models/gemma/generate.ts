/**
 * Greedy decoding with the KV cache, as transformers' generate(do_sample=False, num_beams=1): the first new token is
 * the argmax of the prompt's last logits; each further token is fed back at the next position id and attends to every
 * real cached key and to itself. A row that produced an end token keeps being fed padding (its output is padding from
 * then on); decoding stops at `maxNewTokens` or when every row has ended. The last token is never fed back, so a
 * cache ends at prompt + maxNewTokens - 1 positions.
 * Padding: left or right. Padded keys stay masked; each row's positions count its real tokens only, and its new tokens
 * go to the common end of the cache - so every row decodes exactly as it would alone.
 * The tokens are the graph's own ArgMax (decode-head.ts `next_token`; first maximum on ties, as `argmaxRow` here and
 * torch.argmax): a step fetches its logits only with `keepStepLogits`, so on a GPU a step brings down 12 bytes per
 * row (its choice and an unused score) instead of V floats.
 */

import { VizWizError } from '../../errors.js';
import type { GemmaKvDecoder, KvCache } from './kv-decoder.js';
import { bidirectionalBias, causalBias, paddedPositions, stepBias } from './masks.js';

export interface GreedyOptions {
  maxNewTokens: number;
  /** Tokens that end a row (Gemma: [1]). */
  eosTokenIds: readonly number[];
  padTokenId: number; // 0
  /** Keep each step's logits (B, V) in `stepLogits`. */
  keepStepLogits?: boolean;
  /**
   * Return the last cache in `cache` (on WebGPU resident: the caller then frees it with GemmaKvDecoder.release);
   * without it, every cache decoding made is freed (the start's is never touched).
   */
  keepCache?: boolean;
}

/** Where decoding starts: after a prefill, or any cache computed elsewhere. */
export interface DecodeStart {
  cache: KvCache;
  /** (B, V) at each row's last prompt token: what scoring reads, and the first choice when `argmax` is absent. */
  logits?: Float32Array;
  /** Per row, the first greedy choice (the prefill's `argmax`); else taken from `logits` on the host. */
  argmax?: readonly number[];
  /** The prefill's `scoreLogProb` of the tokens it was asked to score (PrefillRequest.scoreTokens), per row. */
  scored?: { tokens: readonly number[]; logProb: Float32Array };
  /** (B, S) 1 where a cached key is real, 0 for padding. */
  keyValid: Uint8Array;
  /** Per row, the position id of the first generated token. */
  nextPosition: readonly number[];
}

export interface GreedyResult {
  /** (B, n) int64 new tokens, padTokenId after a row's end token; n <= maxNewTokens. */
  tokens: BigInt64Array;
  steps: number;
  stepLogits: Float32Array[]; // per step (B, V), when kept
  /**
   * The last cache, with `keepCache` (on WebGPU resident: GemmaKvDecoder.hostCache reads it, release frees it; it is
   * the start's cache when no step ran).
   */
  cache?: KvCache;
}

/** Index of the largest entry of row `r` (the first one on ties, as torch.argmax). */
export function argmaxRow(logits: Float32Array, r: number, width: number): number {
  let best = 0;
  let max = -Infinity;
  for (let j = 0; j < width; j++) {
    const v = logits[r * width + j] as number;
    if (v > max) [max, best] = [v, j];
  }
  return best;
}

export async function greedyDecode(dec: GemmaKvDecoder, start: DecodeStart, o: GreedyOptions): Promise<GreedyResult> {
  const b = start.cache.batch;
  const vocab = dec.config.vocab;
  if (!(o.maxNewTokens >= 1)) throw new VizWizError('INVALID_ARGUMENT', `maxNewTokens must be at least 1, got ${o.maxNewTokens}`);
  if (start.keyValid.length !== b * start.cache.length)
    throw new VizWizError('INVALID_ARGUMENT', `keyValid has ${start.keyValid.length} entries, expected ${b} x ${start.cache.length}`);
  const eos = new Set(o.eosTokenIds);
  const done = new Array<boolean>(b).fill(false);
  const rows: number[][] = Array.from({ length: b }, () => []);
  const stepLogits: Float32Array[] = [];
  if (!start.argmax && !start.logits) throw new VizWizError('INVALID_ARGUMENT', 'greedyDecode: the start has neither argmax nor logits');
  if (o.keepStepLogits && !start.logits) throw new VizWizError('INVALID_ARGUMENT', 'greedyDecode: keepStepLogits needs the start with its logits');
  if (start.argmax && start.argmax.length !== b) throw new VizWizError('INVALID_ARGUMENT', `argmax has ${start.argmax.length} entries, expected ${b}`);
  let cache = start.cache;
  let logits = start.logits;
  let choice: readonly number[] = start.argmax ?? rows.map((_, r) => argmaxRow(logits!, r, vocab));
  let valid = start.keyValid;
  let steps = 0;
  for (let k = 0; k < o.maxNewTokens; k++) {
    if (o.keepStepLogits) stepLogits.push(logits!.slice());
    const next = rows.map((row, r) => {
      const tok = done[r] ? o.padTokenId : (choice[r] as number);
      row.push(tok);
      if (eos.has(tok)) done[r] = true;
      return tok;
    });
    steps++;
    if (k === o.maxNewTokens - 1 || done.every(Boolean)) break;
    valid = appendColumn(valid, b, cache.length);
    const res = await dec.step(
      cache,
      { tokens: next, positions: start.nextPosition.map((p) => p + k), bias: stepBias(valid, b, cache.length + 1) },
      { logits: o.keepStepLogits ?? false },
    );
    if (cache !== start.cache) dec.release(cache); // an intermediate cache (the start's may serve other continuations)
    ({ cache, logits, argmax: choice } = res);
  }
  const tokens = new BigInt64Array(b * steps);
  rows.forEach((row, r) => row.forEach((t, i) => (tokens[r * steps + i] = BigInt(t))));
  if (o.keepCache) return { tokens, steps, stepLogits, cache };
  if (cache !== start.cache) dec.release(cache);
  return { tokens, steps, stepLogits };
}

/** keyValid (B, S) -> (B, S + 1) with the new column set. */
function appendColumn(valid: Uint8Array, b: number, s: number): Uint8Array {
  const out = new Uint8Array(b * (s + 1));
  for (let r = 0; r < b; r++) {
    out.set(valid.subarray(r * s, (r + 1) * s), r * (s + 1));
    out[r * (s + 1) + s] = 1;
  }
  return out;
}

export interface Prompt {
  batch: number;
  length: number;
  inputIds: BigInt64Array; // (B, T)
  /** (B, T) 1 = real token, 0 = padding (either side). */
  attentionMask: ArrayLike<number | bigint>;
}

export interface GenerateOptions extends GreedyOptions {
  /** How the prompt attends to itself: 'causal' (a plain decoder) or 'bidirectional' (PaliGemma's prefix). */
  promptAttention?: 'causal' | 'bidirectional';
  /** First position id: 0 (Gemma) or 1 (PaliGemma in transformers 4.44). */
  positionOffset?: number;
}

/** Prefill on token ids, then greedy decoding. */
export async function generateGreedy(dec: GemmaKvDecoder, p: Prompt, o: GenerateOptions): Promise<GreedyResult> {
  const { batch: b, length: t } = p;
  const offset = o.positionOffset ?? 0;
  const keyValid = Uint8Array.from({ length: b * t }, (_, i) => (Number(p.attentionMask[i]) !== 0 ? 1 : 0));
  const real = Array.from({ length: b }, (_, r) => keyValid.subarray(r * t, (r + 1) * t).reduce((a, x) => a + x, 0));
  const lastIndex = Array.from({ length: b }, (_, r) => keyValid.subarray(r * t, (r + 1) * t).lastIndexOf(1));
  if (real.some((n) => n === 0)) throw new VizWizError('INVALID_ARGUMENT', 'generateGreedy: a prompt row has no real tokens');
  const bias = (o.promptAttention ?? 'causal') === 'causal' ? causalBias(keyValid, b, t) : bidirectionalBias(keyValid, b, t);
  const pre = await dec.prefill(
    { batch: b, length: t, inputIds: p.inputIds, positionIds: paddedPositions(keyValid, b, t, offset), bias, lastIndex },
    { logits: o.keepStepLogits ?? false },
  );
  const start: DecodeStart = {
    cache: pre.cache,
    argmax: pre.argmax,
    ...(pre.logits ? { logits: pre.logits } : {}),
    keyValid,
    nextPosition: real.map((n) => n + offset),
  };
  const res = await greedyDecode(dec, start, o).catch((e: unknown) => {
    dec.release(pre.cache);
    throw e;
  });
  if (res.cache !== pre.cache) dec.release(pre.cache); // the prefill's cache is this call's own
  return res;
}
