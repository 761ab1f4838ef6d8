/** The Gemma decoder: config, weight names and loading, graph builders (full forward, KV-cache prefill/decode), loss, greedy generation. */

export { gemmaConfigFromHf, validateGemmaConfig, type GemmaActivation, type GemmaConfig } from './config.js';
export { DEFAULT_GEMMA_PREFIX, detectGemmaPrefix, gemmaNames, gemmaParamSpecs, type GemmaLayerNames, type GemmaNames } from './names.js';
export { loadGemmaCheckpoint, loadGemmaWeights, type LoadedGemma } from './weights.js';
export { checkpointFiles } from '../sources/checkpoint-folder.js';
export { embedRows, embedTokens, gemmaDecoder, tiedLogits, type DecoderInput, type DecoderOutput } from './decoder.js';
export { gemmaAttention, type KvPair } from './attention.js';
export { gemmaRmsNorm } from './rms-norm.js';
export { applyRope, inverseFrequencies, ropeTables, type RopeTables } from './rope.js';
export * from './inputs.js';
export { gemmaModel, type GemmaModelOptions } from './model.js';
export { causalLmLoss, IGNORE_INDEX, shiftedCrossEntropy } from './loss.js';
export { gemmaDecodeModel, gemmaPrefillModel, LAST_ROW, type CacheGraphOptions } from './cache-graphs.js';
export { GemmaKvDecoder, kvCacheFrom, type DecodeResult, type KvCache, type KvDecoderOptions, type PrefillRequest, type StepRequest } from './kv-decoder.js';
export { argmaxRow, generateGreedy, greedyDecode, type DecodeStart, type GenerateOptions, type GreedyOptions, type GreedyResult, type Prompt } from './generate.js';
export * from './masks.js';
