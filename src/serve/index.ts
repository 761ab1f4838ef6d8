/**
 * `vizwiz serve` as a library: an accessible question-answering service with its own API and an OpenAI-compatible
 * one, for any model the toolkit makes (a trained head with its encoder, PaliGemma with or without a LoRA adapter),
 * with quality feedback that tells a blind user why a photo cannot be answered and how to retake it.
 */
export { QUALITY_ADVICE, likelyIssues, spokenReply, type QualityIssue } from './advice.js';
export type { AnswerInput, AnswerModel, ModelAnswer } from './answer-model.js';
export { AnswerService, type AnswerResult } from './answer-service.js';
export { createServeApp, ServiceState, type ServeAppOptions } from './app.js';
export { DynamicBatcher, type BatcherOptions } from './batcher.js';
export { createHeadModel, loadHeadModel, type HeadModelOptions, type HeadModelParts } from './head-model.js';
export { HttpError } from './http-error.js';
export { DEFAULT_LIMITS, type ServeLimits } from './limits.js';
export { loadPaligemmaModel, type PaligemmaModelOptions } from './paligemma-model.js';
export { PhotoQuality } from './photo-quality.js';
export { bestOfComparison, chooseServeTarget, DEFAULT_COMPARE_DIR, loadServeModel, type ServeFlags, type ServeTarget } from './serve-target.js';
export { startService, type RunningService, type StartServiceOptions } from './server.js';
