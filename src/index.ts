/**
 * vizwiz, the library: what `import ... from 'vizwiz'` gives. The CLI (src/cli/) is a thin layer over exactly these
 * functions. Grouped as the data flows: data -> metric -> engine -> models -> features -> training -> report ->
 * comparison. Deeper modules stay importable by path for advanced use, but only this list is the stable surface.
 */

// Data: VizWiz annotations and images (folders or the official zips), answer selection, the synthetic sample.
export type { Prediction, VizWizAnswer, VizWizQuestion, VizWizRecord, AnswerType } from './data/types.js';
export { loadAnnotations, loadQuestions, parseAnnotations } from './data/annotations.js';
export { openImageSource, type ImageSource } from './data/image-source.js';
export { loadSplitQuestions, loadSplitRecords, openSplitImages, SPLITS, type Split } from './data/layout.js';
export { ANSWER_SELECTIONS, selectAnswer, selectTargets, type AnswerSelection } from './data/answer-selection.js';
export { generateSample, type SampleSummary } from './data/sample/index.js';
export { decodeImage, readImage } from './images/decode.js';
export type { RgbImage } from './images/rgb.js';

// The official metric: VizWiz accuracy (both variants), answerability, submission files.
export { normalizeAnswer } from './text/normalize.js';
export { evaluate, type EvaluationResult } from './eval/evaluate.js';
export { evaluateFiles } from './eval/evaluate-files.js';
export { readSubmission, writeSubmission } from './eval/submission.js';
export { ACCURACY_METRICS, type AccuracyMetric } from './eval/accuracy.js';

// The engine: ONNX Runtime behind the toolkit's own tensors, graphs built from model definitions, devices.
export { DeviceTensor, Tensor, type FeedTensor, type Tensors } from './engine/tensor.js';
export { checkDevice, DEVICES, parseDevice, type Device } from './engine/device.js';
export { buildInference } from './engine/inference.js';
export { buildTrainStep } from './engine/train-step.js';
export { buildTrainLoop } from './engine/train-loop.js';
export { buildGradients } from './engine/gradients-graph.js';
export { GRADS_FINITE, LOSS_SCALE, type TrainDType } from './engine/mixed-precision.js';
export { LOSS_SCALE_DEFAULTS, LossScaler, type LossScaleConfig, type LossScaleState } from './engine/loss-scale.js';
export { buildOptimizerUpdate } from './engine/optimizer-graph.js';
export { InferenceRunner } from './engine/inference-runner.js';
export { TrainSession } from './engine/train-session.js';
export { GradientSession } from './engine/gradient-session.js';
export { OptimizerSession } from './engine/optimizer-session.js';
export { ResidentOptimizer, type ResidentUpdateResult } from './engine/resident-optimizer.js';
export { buildGradientSum } from './engine/gradient-sum-graph.js';
export { buildClippedUpdate } from './engine/clipped-update-graph.js';
export type { SessionOptions } from './engine/graph-session.js';
export type { BuildContext, LossDef, ModelDef, ParamSpec, WeightSpec } from './engine/model.js';
export { adam, adamw, type Optimizer } from './engine/optim.js';
export { readSafetensors, writeSafetensors } from './engine/safetensors.js';

// Models: encoders for features, PaliGemma for generation and LoRA fine-tuning, checkpoints from the hub or a folder.
export type { ImageTextEncoder } from './models/encoder.js';
export { loadClipEncoder, createClipEncoder } from './models/clip/encoder.js';
export { createResnetEncoder } from './models/resnet/encoder.js';
export { loadPaligemmaCheckpoint, type LoadedPaliGemma } from './models/paligemma/weights.js';
export { PaliGemmaGenerator } from './models/paligemma/generate.js';
export { PaliGemmaProcessor } from './models/paligemma/processor.js';
export { GemmaTokenizer } from './models/paligemma/tokenizer.js';
export { promptTemplate, PROMPT_TEMPLATES } from './models/paligemma/prompt.js';
export { LoraTrainer } from './models/lora/trainer.js';
export { loraConfig, type LoraConfig } from './models/lora/config.js';
export { loadAdapter, saveAdapter } from './models/lora/peft-io.js';
export { mergeAdapters } from './models/lora/merge.js';
export { resolveModelSource } from './models/sources/resolve.js';

// Features: resumable extraction into feature files, and the encoder registry.
export { extractFeatures, type ExtractOptions, type ExtractResult } from './features/extract.js';
export { encoderIds, loadEncoder, registerEncoder, type EncoderSpec } from './features/registry.js';
export { readFeatures, writeFeatures, type FeatureSet } from './features/feature-file.js';

// Training: the classifier heads and PaliGemma LoRA, both on one resumable run skeleton.
export { trainConfig, HEAD_NAMES, type HeadName, type TrainConfig } from './train/config.js';
export { trainHead, type TrainRunOptions, type TrainResult } from './train/trainer.js';
export { predictHead } from './train/predict.js';
export { runTraining, type Trainer, type RunOptions } from './train/run.js';
export { finetunePaligemma, predictPaligemma, finetuneConfig, type FinetuneOptions, type FinetuneResult } from './finetune/index.js';

// Photo quality: VizWiz-QualityIssues labels and the quality head.
export { loadQualityAnnotations, type QualityRecord } from './data/quality-annotations.js';
export { trainQualityHead, loadQualityHead, evaluateQualityHead } from './train/quality.js';

// Report and the comparison of the seed report, end to end.
export { writeReport } from './report/write.js';
export { runCompare, type CompareOptions } from './compare/run.js';

// Scale-out: shards of any extraction or prediction, their merge, and OpenAI-compatible servers as peers.
export { parseShard, type ShardSpec } from './shards/spec.js';
export { shardOf } from './shards/assign.js';
export { mergePredictionShards } from './shards/predictions.js';
export { mergeFeatureShards } from './features/shard-file.js';
export { predictEndpoint, type EndpointPredictOptions } from './endpoint/predict.js';

// The service: an accessible page, /v1/answer and OpenAI-compatible chat completions.
export { startService, type RunningService } from './serve/server.js';
export { chooseServeTarget, loadServeModel } from './serve/serve-target.js';
