/**
 * The engine's public surface: graph building, autodiff, optimizers, every graph kind built from a ModelDef
 * (inference, training step, epoch loop, gradients only, optimizer update), the sessions that run them with weights
 * placed per device, devices, safetensors and the engine's own Tensor. Nothing outside src/engine touches
 * onnxruntime; this is the layer that owns it.
 */

export { Graph, Value, type Dim, type Shape } from './graph.js';
export * as op from './ops/index.js';
export { gradients } from './autodiff.js';
export { adam, adamw, type AdamConfig, type Optimizer } from './optim.js';
export type { BuildContext, DropoutSite, InputSpec, LossDef, ModelDef, ParamInit, ParamSpec, WeightSpec } from './model.js';
export type { DType } from './dtype.js';
export { initParams } from './init.js';
export { Tensor, type TensorData, type Tensors } from './tensor.js';
export { gradName, newName, slotName } from './names.js';
export { buildInference, type InferenceGraph, type InferenceOptions } from './inference.js';
export { buildTrainStep, type TrainStepGraph, type TrainStepOptions } from './train-step.js';
export { buildTrainLoop } from './train-loop.js';
export { buildGradients, type GradientsGraph, type GradientsOptions } from './gradients-graph.js';
export { buildOptimizerUpdate, type OptimizerGraph } from './optimizer-graph.js';
export { defaultThreads, GraphSession, type SessionOptions } from './graph-session.js';
export { InferenceRunner } from './inference-runner.js';
export { TrainSession, type StepResult, type StepsResult, type TrainSessionOptions } from './train-session.js';
export { GradientSession, type GradientResult } from './gradient-session.js';
export { OptimizerSession } from './optimizer-session.js';
export { placementFor, type WeightPlacement } from './weights.js';
export { bindBatchDims, resolveDim, type DimBindings } from './batch-dims.js';
export { checkDevice, parseDevice, DEVICES, type Device } from './device.js';
export { readSafetensors, SafetensorsReader, writeSafetensors, type SafeDType, type TensorToWrite } from './safetensors.js';
export { Rng } from './rng.js';
export { epochSeed, STREAMS } from './epoch-seeds.js';
