/** ResNet-50 (torchvision layout) for feature extraction: config, weights, BatchNorm folding, graph, preprocessing, encoder. */

export { RESNET50, inferResnetConfig, pooledWidth, resnetBlocks, resnetStateShapes, type BlockLayout, type ResnetConfig } from './config.js';
export { loadResnetWeights, type LoadResnetOptions, type ResnetWeights, type ResnetWeightSource } from './weights.js';
export { convBnPairs, foldBatchNorm } from './fold.js';
export { resnetForward, resnetGraphShapes, resnetModel, type ResnetModelOptions, type WeightFn } from './model.js';
export { manifestShapes, randomResnetWeights, type ShapeManifest } from './random.js';
export { IMAGENET_PREPROCESS, cropOffset, preprocessImagenet, resizedSize, type ImagenetPreprocess } from './preprocess.js';
export { createResnetEncoder, type ResnetEncoder, type ResnetEncoderOptions } from './encoder.js';
