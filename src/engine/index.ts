/** The engine's public surface: graph building, autodiff, optimizers, training/inference graphs, sessions, devices, safetensors. */

export { Graph, Value, type Dim, type Shape } from './graph.js';
export * as op from './ops/index.js';
export { gradients } from './autodiff.js';
export { adam, adamw, type AdamConfig, type Optimizer } from './optim.js';
export type { BuildContext, InputSpec, LossDef, ModelDef, ParamInit, ParamSpec } from './model.js';
export { initParams } from './init.js';
export { buildInference, buildTrainStep, gradName, newName, slotName, type InferenceGraph, type TrainStepGraph, type TrainStepOptions } from './train-step.js';
export { buildTrainLoop } from './train-loop.js';
export { createSession, InferenceRunner, TrainSession, type SessionOptions, type TrainSessionOptions } from './session.js';
export { checkDevice, parseDevice, type Device } from './device.js';
export { readSafetensors, SafetensorsReader, writeSafetensors, type SafeDType, type TensorToWrite } from './safetensors.js';
export { Rng } from './rng.js';
