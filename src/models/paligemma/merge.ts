/**
 * In-graph merge of image features into the token embeddings, as transformers 4.44's
 * _merge_input_ids_with_image_features:
 *   text positions  -> embed_tokens(id)                       (unscaled: Gemma scales every row by sqrt(D) later)
 *   <image> tokens  -> the next row of the image features     (masked_scatter order: row-major over the whole batch)
 *   pad tokens      -> zeros
 * The k-th <image> token (counting over the flattened batch) takes feature row k, through a CumSum of the image mask;
 * the Gather's gradient carries d loss back to the features (LoRA on the vision tower needs it). The running count and
 * the row index are int32: the WebGPU provider has CumSum, Sub, Where and Gather for int32 but runs int64 arithmetic
 * on the CPU; only the two comparisons read the int64 ids there, (N) values.
 */

import type { Value } from '../../engine/graph.js';
import { cast, cumsum, equal, gather, sub, unsqueeze, where } from '../../engine/ops/index.js';
import { reshapeTo, seqShape } from '../transformer/shapes.js';

export interface MergeTokens {
  imageTokenIndex: number;
  padTokenId: number;
}

/** ids (B, T), textRows (N, D), imageRows (B * Np, D) -> merged rows (N, D). */
export function mergeImageRows(ids: Value, textRows: Value, imageRows: Value, t: MergeTokens): Value {
  const seq = seqShape(ids);
  const flat = reshapeTo(ids, [-1], [seq.n]); // (N)
  const isImage = equal(flat, t.imageTokenIndex); // (N)
  const isPad = equal(flat, t.padTokenId); // (N)
  const count = cumsum(cast(isImage, 'int32'), 0); // (N) int32: image tokens up to and including each position
  const index = where(isImage, sub(count, 1), 0); // (N) int32: row k for the k-th image token
  const picked = gather(imageRows, index); // (N, D)
  const text = where(unsqueeze(isPad, [1]), 0, textRows); // (N, D)
  return where(unsqueeze(isImage, [1]), picked, text); // (N, D)
}
