/** The SigLIP vision tower: config, names, loading, graph code (tower, encoder layer, pooling head), ModelDef, preprocessing. */

export { siglipConfigFromHf, siglipTokens, validateSiglipConfig, type SiglipVisionConfig } from './config.js';
export { DEFAULT_SIGLIP_PREFIX, detectSiglipPrefix, siglipParamSpecs } from './names.js';
export { loadSiglipCheckpoint, loadSiglipWeights, type LoadedSiglip } from './weights.js';
export { readSpecs } from '../sources/checkpoint-folder.js';
export { siglipVisionTower, type SiglipOutputs, type SiglipTowerOptions } from './tower.js';
export { siglipAttention, siglipEncoderLayer, siglipLayerNorm, siglipMlp, type TokenRows } from './encoder.js';
export { siglipPoolingHead } from './head.js';
export { projectRowsBias } from '../transformer/rows.js';
export { PIXEL_VALUES, siglipVisionModel, type SiglipModelOptions } from './model.js';
export { SIGLIP_MEAN, SIGLIP_STD, siglipPreprocess, siglipPreprocessBatch } from './preprocess.js';
