/**
 * LoRA for PaliGemma: config (PEFT fields), target matching, adapter graph code, training (fused steps, or gradients
 * alone for accumulation and clipping), PEFT save/load, merging.
 */

export { DEFAULT_TARGET_MODULES, loraConfig, loraConfigFromPeft, loraConfigToPeft, loraScaling, validateLoraConfig, type LoraConfig } from './config.js';
export { matchesTarget, paligemmaLinears, selectTargets, type LinearModule } from './targets.js';
export { loraAName, loraBName, moduleOfLoraName, PEFT_PREFIX } from './names.js';
export { loraHook, loraParamSpecs, type LoraSet } from './adapters.js';
export { initAdapters, paligemmaLoraModel, paligemmaLoraSet, type LoraModelOptions } from './paligemma-lora.js';
export { LoraGradients, type LoraGradientResult } from './gradients.js';
export { LoraTrainer, type LoraStepResult, type LoraTrainerOptions } from './trainer.js';
export { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadAdapter, saveAdapter, type LoadedAdapter } from './peft-io.js';
export { mergeAdapters } from './merge.js';
