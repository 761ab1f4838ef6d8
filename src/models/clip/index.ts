/** CLIP (openai/clip-vit-large-patch14-336 and other sizes): config, towers, ModelDefs, tokenizer, preprocessing, weights, encoder. */

export { parseClipConfig, visionTokens, type ClipConfig, type ClipTextConfig, type ClipVisionConfig } from './config.js';
export { clipVisionTower, clipVisionParams, visualProjectionParams, type VisionOutputs } from './vision.js';
export { clipTextTower, clipTextParams, textProjectionParams, LEGACY_EOS_TOKEN_ID, type TextOutputs } from './text.js';
export { clipModel, clipModelFor, clipModelParams, clipTextModel, clipVisionModel, l2Normalize, type ClipModelOptions } from './model.js';
export { ClipTokenizer, clipTokenizerJson, parseMerges, type ClipTokenizerOptions, type TokenBatch } from './tokenizer.js';
export { centerCrop, clipPreprocess, clipPreprocessConfig, CLIP_MEAN, CLIP_STD, normalizeToChw, shortSideSize, type ClipPreprocessConfig } from './preprocess.js';
export { loadClipWeights, manifestMismatches, randomClipWeights, readManifest, type ParamManifest } from './weights.js';
export { createClipEncoder, loadClipEncoder, type ClipEncoderOptions } from './encoder.js';
