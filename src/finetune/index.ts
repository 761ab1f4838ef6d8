/**
 * PaliGemma fine-tuning and prediction: `finetunePaligemma` (LoRA, AdamW, warmup + cosine, gradient accumulation and
 * clipping, per-epoch validation with the official metric, best adapter in PEFT format, resumable checkpoints,
 * results.json) and `predictPaligemma` (zero-shot or with an adapter; official submission entries with an
 * answerability confidence).
 */

export {
  FINETUNE_DEFAULTS,
  finetuneConfig,
  TARGET_MODES,
  type FinetuneConfig,
  type FinetuneConfigInput,
  type FinetuneLoraConfig,
  type TargetMode,
} from './config.js';
export { finetunePaligemma, type FinetuneOptions, type FinetuneResult, type FinetuneSplit } from './finetune.js';
export { predictPaligemma, type PaligemmaPredictOptions } from './predict.js';
export { answerQuestions, UNANSWERABLE, type AnswerOptions, type GeneratedAnswer } from './answers.js';
export { loadBase, peftBaseName, type BaseInput, type PaliGemmaBase } from './base.js';
export { clipByGlobalNorm, globalNorm, GradientAccumulator } from './gradient-math.js';
export { LoraStepper, type StepperOptions, type StepperStart, type UpdateResult } from './stepper.js';
export { MergedWeights } from './merged-weights.js';
export { PixelLoader } from './pixels.js';
export { mostCommonAnswers, TrainingTargets } from './targets.js';
export { Validator, type ValidationResult } from './validator.js';
export { readAdapterMeta, type BestAdapterMeta, type FinetuneEpoch } from './run-folder.js';
