/**
 * The ResNet image encoder for feature extraction (ImageTextEncoder): ImageNet preprocessing, then the network up to
 * the pooled features (2048-d for ResNet-50; the fc is not in the graph). Weights (a checkpoint path: file, shard
 * index or folder; a Map of tensors; or loadResnetWeights output) are validated, BatchNorm is folded
 * into the convs, and the folded weights are bound as initializers of the inference graph by default, even on the
 * CPU, so ORT's CPU optimiser can pre-pack them into its blocked NCHWc convolution layout and fuse
 * Conv + bias + Add + Relu; GPU providers need initializers anyway. `weightsAs: 'inputs'` feeds them instead over the
 * same Float32Arrays, which skips those weight-dependent optimisations (see bench/extract-resnet50.ts for the
 * difference).
 */

import type { RgbImage } from '../../images/rgb.js';
import type { EncoderLoadOptions, ImageTextEncoder } from '../encoder.js';
import { buildInference } from '../../engine/inference.js';
import { InferenceRunner } from '../../engine/inference-runner.js';
import { Tensor } from '../../engine/tensor.js';
import { pooledWidth, type ResnetConfig } from './config.js';
import { foldBatchNorm } from './fold.js';
import { resnetModel } from './model.js';
import { IMAGENET_PREPROCESS, preprocessImagenet, type ImagenetPreprocess } from './preprocess.js';
import { loadResnetWeights, type ResnetWeights, type ResnetWeightSource } from './weights.js';

export interface ResnetEncoderOptions extends EncoderLoadOptions {
  /** Registry id reported by the encoder (default 'resnet50'). */
  id?: string;
  /** Images per session.run inside encodeImages (default 16). */
  batchSize?: number;
  /** Default 'initializers' (see the module comment). */
  weightsAs?: 'initializers' | 'inputs';
  /** Fold BatchNorm into the convs at load time (default true); false keeps BatchNormalization nodes. */
  foldBn?: boolean;
  preprocess?: ImagenetPreprocess;
  /** BatchNorm eps when loading from a file or map (default 1e-5). */
  bnEps?: number;
}

export interface ResnetEncoder extends ImageTextEncoder {
  readonly config: ResnetConfig;
  readonly textDim: undefined;
}

function isLoaded(w: ResnetWeightSource | ResnetWeights): w is ResnetWeights {
  return typeof w === 'object' && 'config' in w && 'tensors' in w;
}

export async function createResnetEncoder(weights: ResnetWeightSource | ResnetWeights, o: ResnetEncoderOptions = {}): Promise<ResnetEncoder> {
  const loaded = isLoaded(weights) ? weights : await loadResnetWeights(weights, o.bnEps === undefined ? {} : { bnEps: o.bnEps });
  const config = loaded.config;
  const pre = o.preprocess ?? IMAGENET_PREPROCESS;
  const foldBn = o.foldBn ?? true;
  const weightsAs = o.weightsAs ?? 'initializers';
  const params = foldBn ? foldBatchNorm(loaded) : new Map(loaded.tensors);
  const graph = buildInference(resnetModel(config, { imageSize: pre.crop, foldedBn: foldBn }), { outputs: ['pooled'] });
  const runner = await InferenceRunner.create(graph, params, { device: o.device, threads: o.threads, placement: weightsAs });
  const imageDim = pooledWidth(config);
  const pixelsPerImage = 3 * pre.crop * pre.crop;
  const batchSize = Math.max(1, o.batchSize ?? 16);

  return {
    id: o.id ?? 'resnet50',
    config,
    imageDim,
    textDim: undefined,
    pixelsPerImage,
    preprocess(image: RgbImage, out: Float32Array): void {
      preprocessImagenet(image, out, pre);
    },
    async encodeImages(pixels: Float32Array, count: number): Promise<Float32Array> {
      if (pixels.length < count * pixelsPerImage) throw new Error(`encodeImages: ${count} images need ${count * pixelsPerImage} floats, got ${pixels.length}`);
      const result = new Float32Array(count * imageDim);
      for (let i = 0; i < count; i += batchSize) {
        const b = Math.min(batchSize, count - i);
        const x = Tensor.f32(pixels.subarray(i * pixelsPerImage, (i + b) * pixelsPerImage), [b, 3, pre.crop, pre.crop]); // (B, 3, S, S)
        const out = await runner.run({ pixel_values: x }, ['pooled']);
        result.set(out.pooled!.floats(), i * imageDim); // (B, imageDim)
      }
      return result;
    },
    async dispose(): Promise<void> {
      await runner.dispose();
    },
  };
}
