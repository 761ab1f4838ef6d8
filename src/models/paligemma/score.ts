/**
 * Teacher-forced scoring of a fixed continuation on top of a prefill (generate.ts PaliGemmaGenerator.prefill):
 *   log P(c_1..c_n | prompt) = sum_k log softmax(logits_k)[c_k]
 * where logits_1 are the prefill's last-token logits and logits_k (k > 1) come from feeding c_{k-1} through the KV
 * cache at the next position - the same positions and masks greedy decoding uses, so the probability is that of the
 * model generating exactly c_1..c_n. Used for the answerability confidence of predictions (src/finetune/answers.ts).
 * Log-softmax runs on the host in float64.
 */

import { VizWizError } from '../../errors.js';
import type { DecodeStart } from '../gemma/generate.js';
import type { GemmaKvDecoder } from '../gemma/kv-decoder.js';
import { stepBias } from '../gemma/masks.js';

/** log softmax(row r of logits (B, V))[token], in float64. */
export function logSoftmaxAt(logits: Float32Array, r: number, vocab: number, token: number): number {
  let max = -Infinity;
  for (let j = 0; j < vocab; j++) max = Math.max(max, logits[r * vocab + j] as number);
  let sum = 0;
  for (let j = 0; j < vocab; j++) sum += Math.exp((logits[r * vocab + j] as number) - max);
  return (logits[r * vocab + token] as number) - max - Math.log(sum);
}

/** Per row, log P(tokens | prompt) under teacher forcing, starting from `start` (not modified). (B). */
export async function continuationLogProb(dec: GemmaKvDecoder, start: DecodeStart, tokens: readonly number[]): Promise<Float64Array> {
  if (tokens.length === 0) throw new VizWizError('INVALID_ARGUMENT', 'continuationLogProb: no tokens to score');
  if (!start.logits) throw new VizWizError('INVALID_ARGUMENT', 'continuationLogProb: the start has no logits (prefill with { logits: true })');
  const b = start.cache.batch;
  const vocab = dec.config.vocab;
  const out = new Float64Array(b);
  let cache = start.cache;
  let logits: Float32Array = start.logits;
  let valid = start.keyValid;
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] as number;
    for (let r = 0; r < b; r++) out[r] = (out[r] as number) + logSoftmaxAt(logits, r, vocab, tok);
    if (k === tokens.length - 1) break;
    const s = cache.length;
    const grown = new Uint8Array(b * (s + 1));
    for (let r = 0; r < b; r++) {
      grown.set(valid.subarray(r * s, (r + 1) * s), r * (s + 1));
      grown[r * (s + 1) + s] = 1;
    }
    valid = grown;
    const res = await dec.step(cache, {
      tokens: new Array<number>(b).fill(tok),
      positions: start.nextPosition.map((p) => p + k),
      bias: stepBias(valid, b, s + 1),
    });
    if (cache !== start.cache) dec.release(cache); // the start's cache may serve other continuations
    ({ cache, logits } = res);
  }
  if (cache !== start.cache) dec.release(cache);
  return out;
}
