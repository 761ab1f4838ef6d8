/**
 * Teacher-forced scoring of a fixed continuation on top of a prefill (generate.ts PaliGemmaGenerator.prefill):
 *   log P(c_1..c_n | prompt) = sum_k log softmax(logits_k)[c_k]
 * where logits_1 are the prefill's last-token logits and logits_k (k > 1) come from feeding c_{k-1} through the KV
 * cache at the next position - the same positions and masks greedy decoding uses, so the probability is that of the
 * model generating exactly c_1..c_n. Used for the answerability confidence of predictions (src/finetune/answers.ts).
 * The terms k > 1 are the graph's `score_logprob` (float32 log-softmax on the device: no logits come to the host); the
 * first is the prefill's score of c_1 when it was asked for (`start.scored`), else the host's float64 log-softmax of
 * the start's logits.
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
  const first = tokens[0] as number;
  const scored = start.scored && start.scored.tokens.every((t) => t === first) ? start.scored.logProb : undefined;
  if (!scored && !start.logits)
    throw new VizWizError('INVALID_ARGUMENT', `continuationLogProb: the start has neither logits nor the score of token ${first} (prefill with scoreTokens)`);
  const b = start.cache.batch;
  const vocab = dec.config.vocab;
  const out = new Float64Array(b);
  for (let r = 0; r < b; r++) out[r] = scored ? (scored[r] as number) : logSoftmaxAt(start.logits!, r, vocab, first);
  let cache = start.cache;
  let valid = start.keyValid;
  for (let k = 0; k + 1 < tokens.length; k++) {
    const tok = tokens[k] as number;
    const s = cache.length;
    const grown = new Uint8Array(b * (s + 1));
    for (let r = 0; r < b; r++) {
      grown.set(valid.subarray(r * s, (r + 1) * s), r * (s + 1));
      grown[r * (s + 1) + s] = 1;
    }
    valid = grown;
    const res = await dec.step(
      cache,
      {
        tokens: new Array<number>(b).fill(tok),
        positions: start.nextPosition.map((p) => p + k),
        bias: stepBias(valid, b, s + 1),
        scoreTokens: new Array<number>(b).fill(tokens[k + 1] as number),
      },
      { logits: false },
    );
    if (cache !== start.cache) dec.release(cache); // the start's cache may serve other continuations
    cache = res.cache;
    for (let r = 0; r < b; r++) out[r] = (out[r] as number) + (res.scoreLogProb[r] as number);
  }
  if (cache !== start.cache) dec.release(cache);
  return out;
}
