/**
 * Transformer plumbing shared by CLIP, SigLIP and Gemma: the Weights lookup with its Linear hook, attention, MLP,
 * pre-LN layers, patch embedding, parameter specs.
 */

export { activationFromHf, headDim, type MlpActivation, type TransformerConfig } from './config.js';
export { denseParams, layerNormParams, INIT_STD } from './params.js';
export { applyLayerNorm, dense } from './dense.js';
export { attentionParams, MASKED, selfAttention } from './attention.js';
export { activate, mlp, mlpParams } from './mlp.js';
export { encoder, encoderLayer, encoderParams } from './encoder.js';
export { patchEmbed, patchEmbedParams, patchGrid, type PatchEmbedMethod, type PatchEmbedShape } from './patch-embed.js';
export { isTrainable, moduleOf, splitWeights, weightsOf, type LinearAdapter, type TrainableSelection, type Weights } from './weights.js';
