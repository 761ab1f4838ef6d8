/**
 * PaliGemma fine-tuning and prediction: `finetunePaligemma` (LoRA, AdamW, warmup + cosine, gradient accumulation and
 * clipping, per-epoch validation with the official metric, best adapter in PEFT format, resumable checkpoints,
 * results.json) and `predictPaligemma` (zero-shot or with an adapter; official submission entries with an
 * answerability confidence).
 */

export { finetuneConfig, type FinetuneConfigInput } from './config.js';
export { finetunePaligemma, type FinetuneOptions, type FinetuneResult } from './finetune.js';
export { predictPaligemma } from './predict.js';
export type { FinetuneEpoch } from './run-folder.js';
