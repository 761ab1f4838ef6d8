/**
 * PaliGemma (SigLIP + projector + Gemma): config, names in both layouts, loading, the full-forward ModelDef, batch
 * feeds and masks, the training loss, greedy generation with the KV cache, the processor (tokenizer, versioned prompt,
 * layout, SigLIP preprocessing), teacher-forced scoring of a continuation, random weights for benchmarks and the tiny
 * checkpoint of tests and the embedded default.
 */

export { paligemmaConfigFromHf, validatePaligemmaConfig, type PaliGemmaConfig } from './config.js';
export { detectPaligemmaPrefixes, LEGACY_PREFIXES, MODERN_PREFIXES, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';
export { loadPaligemmaCheckpoint, loadPaligemmaWeights, readPaligemmaConfig, type LoadedPaliGemma } from './weights.js';
export { LOSS_ROWS, LOSS_TARGETS, PIXEL_VALUES } from './inputs.js';
export { imageFeatureRows } from './features.js';
export { mergeImageRows, type MergeTokens } from './merge.js';
export { paligemmaInputs, paligemmaModel, type ModelAdapters, type PaliGemmaModelOptions } from './model.js';
export { imageFeaturesModel } from './features-model.js';
export { fullPrefixBias, lossRowsOf, maskedLabels, paligemmaPositions, prefixLmBias } from './masks.js';
export { checkImageTokens, paligemmaFeeds, type FeedOptions, type PaliGemmaBatch } from './feeds.js';
export { selectedRowsLoss } from './loss.js';
export { PaliGemmaGenerator, type GenerateRequest, type PaliGemmaGeneration, type PaliGemmaGeneratorOptions } from './generate.js';
export { GemmaTokenizer } from './tokenizer.js';
export { ANSWER_EN_V1, PROMPT_TEMPLATES, promptTemplate, renderPrompt, type PromptTemplate } from './prompt.js';
export { PaliGemmaProcessor, type ProcessorOptions, type VqaExample } from './processor.js';
export { randomPaligemmaWeights } from './random.js';
export { continuationLogProb, logSoftmaxAt } from './score.js';
export { buildTinyTokenizer, trainBpe, type TinyTokenizerFiles } from './tiny-tokenizer.js';
export { tinyPaligemmaConfig, tinyPaligemmaTokenizer, tinyTokenizerCorpus, writeTinyPaligemma } from './tiny.js';
