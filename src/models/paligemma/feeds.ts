/**
 * Turns a PaliGemma batch (what the processor or transformers' PaliGemmaProcessor produces) into the feeds of the
 * full-forward graph (model.ts): position ids, the attention bias (inference or prefix-LM), and for training either
 * `labels` (for causalLmLoss over full logits) or `loss_rows` + `loss_targets` (for selectedRowsLoss). Checks that
 * every row has exactly numImageTokens <image> ids, as the merge requires.
 */

import { Tensor } from '../../engine/tensor.js';
import { VizWizError } from '../../errors.js';
import { ATTENTION_BIAS, INPUT_IDS, POSITION_IDS } from '../gemma/inputs.js';
import type { PaliGemmaConfig } from './config.js';
import { LOSS_ROWS, LOSS_TARGETS, PIXEL_VALUES } from './inputs.js';
import { fullPrefixBias, lossRowsOf, maskedLabels, paligemmaPositions, prefixLmBias } from './masks.js';

export interface PaliGemmaBatch {
  batch: number; // B
  length: number; // T
  inputIds: BigInt64Array; // (B, T)
  attentionMask: ArrayLike<number | bigint>; // (B, T)
  pixelValues: Float32Array; // (B, C, S, S)
  /** Training only: 0 on the prefix, 1 on the suffix. (B, T) */
  tokenTypeIds?: ArrayLike<number | bigint>;
  /** Training only: the target ids, -100 where not scored. (B, T) */
  labels?: ArrayLike<number | bigint>;
}

export interface FeedOptions {
  /** How the loss reads its targets: 'rows' (loss_rows + loss_targets) or 'labels' (full logits); default 'rows'. */
  loss?: 'rows' | 'labels';
}

export function checkImageTokens(c: PaliGemmaConfig, b: PaliGemmaBatch): void {
  const { batch, length } = b;
  if (b.inputIds.length !== batch * length) throw new VizWizError('INVALID_ARGUMENT', `input_ids has ${b.inputIds.length} ids, expected ${batch} x ${length}`);
  const plane = c.vision.channels * c.vision.imageSize * c.vision.imageSize;
  if (b.pixelValues.length !== batch * plane)
    throw new VizWizError('INVALID_ARGUMENT', `pixel_values has ${b.pixelValues.length} values, expected ${batch} x ${plane}`);
  const image = BigInt(c.imageTokenIndex);
  for (let r = 0; r < batch; r++) {
    let n = 0;
    for (let t = 0; t < length; t++) if (b.inputIds[r * length + t] === image) n++;
    if (n !== c.numImageTokens)
      throw new VizWizError('INVALID_ARGUMENT', `row ${r} has ${n} <image> tokens (id ${c.imageTokenIndex}), expected ${c.numImageTokens}`);
  }
}

export function paligemmaFeeds(c: PaliGemmaConfig, b: PaliGemmaBatch, o: FeedOptions = {}): Record<string, Tensor> {
  checkImageTokens(c, b);
  const { batch, length } = b;
  const training = b.tokenTypeIds !== undefined && b.labels !== undefined;
  const v = c.vision;
  const feeds: Record<string, Tensor> = {
    [PIXEL_VALUES]: Tensor.f32(b.pixelValues, [batch, v.channels, v.imageSize, v.imageSize]),
    [INPUT_IDS]: Tensor.i64(b.inputIds, [batch, length]),
    [POSITION_IDS]: Tensor.i64(paligemmaPositions(b.attentionMask, batch, length), [batch, length]),
    [ATTENTION_BIAS]: new Tensor(
      'float32',
      training ? prefixLmBias(b.attentionMask, b.tokenTypeIds as ArrayLike<number | bigint>, batch, length) : fullPrefixBias(b.attentionMask, batch, length),
      [batch, length, length],
    ),
  };
  if (b.labels) {
    const labels = maskedLabels(b.labels, b.inputIds, b.attentionMask, c.text.padTokenId, c.ignoreIndex);
    if ((o.loss ?? 'rows') === 'labels') feeds.labels = Tensor.i64(labels, [batch, length]);
    else {
      const { rows, targets } = lossRowsOf(labels, batch, length, c.ignoreIndex);
      feeds[LOSS_ROWS] = Tensor.i64(rows, [rows.length]);
      feeds[LOSS_TARGETS] = Tensor.i64(targets, [targets.length]);
    }
  }
  return feeds;
}
