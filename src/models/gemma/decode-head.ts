/**
 * The small outputs a KV-cache run adds beside its (B, V) logits, so that decoding on a GPU need not download them:
 * - `next_token` int64 (B): ArgMax of each row, the first maximum on ties (as torch.argmax and the host's argmaxRow),
 *   in the compute dtype (float16 -> float32 is exact and monotone, so the choice is that of the float32 logits);
 * - `score_logprob` float32 (B): log softmax(logits)[score_token] per row, for teacher-forced scoring (the
 *   answerability confidence): the caller feeds the token to score as `score_token` int64 (B, 1), any id otherwise. Always
 *   in float32 (the logits Cast up first: a float16 sum of exp over a 257,216-word vocabulary could overflow), with
 *   the max subtracted first (logSoftmax), as the host's float64 logSoftmaxAt did. The token comes in as (B, 1), the
 *   index shape GatherElements takes: an Unsqueeze of an int64 input would run on the CPU provider, with a copy.
 */

import type { Value } from '../../engine/graph.js';
import { argMax, cast, gatherElements, logSoftmax, squeeze } from '../../engine/ops/index.js';

export const NEXT_TOKEN = 'next_token';
export const SCORE_TOKEN = 'score_token';
export const SCORE_LOGPROB = 'score_logprob';

/** `logits` (B, V) in the compute dtype; `scoreToken` int64 (B, 1). */
export function decodeHead(logits: Value, scoreToken: Value): Record<string, Value> {
  const full = logits.dtype === 'float32' ? logits : cast(logits, 'float32');
  const logProbs = logSoftmax(full, 1); // (B, V)
  const scored = squeeze(gatherElements(logProbs, scoreToken, 1), [1]); // (B)
  return { [NEXT_TOKEN]: argMax(logits, 1), [SCORE_LOGPROB]: scored };
}
