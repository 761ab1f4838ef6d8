/**
 * Graph-input names of the PaliGemma graphs (besides Gemma's position_ids and attention_bias, inputs.ts there):
 *   pixel_values  float32 (B, C, S, S)   SigLIP-preprocessed images, one per row
 *   input_ids     int64   (B, T)         with numImageTokens <image> ids per row
 *   loss_rows     int64   (M)            rows b*T + t whose logits the loss scores (masks.ts lossRowsOf)
 *   loss_targets  int64   (M)            their target ids
 */

export { PIXEL_VALUES } from '../siglip/model.js';
export const LOSS_ROWS = 'loss_rows';
export const LOSS_TARGETS = 'loss_targets';
