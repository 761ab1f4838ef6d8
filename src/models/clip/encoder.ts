/**
 * CLIP as an ImageTextEncoder (src/models/encoder.ts): image and question embeddings of projection_dim values.
 * Which embedding is written is an option: `normalize: true` (default) writes the L2-normalised projections, what
 * CLIPModel's image_embeds/text_embeds are and what Deuser et al. trained their linear layers on; `normalize: false`
 * writes the projections as CLIPVisionModelWithProjection / CLIPTextModelWithProjection return them.
 * Each tower is one inference graph (buildInference) run by an InferenceRunner that places the weights once (over the
 * caller's arrays on the CPU, no copy); images run in batches of at most `imageBatch`, texts of `textBatch`, each
 * text batch padded to its longest text. With `quantize`, the vision tower's Linear weights are block-quantized
 * (cached beside the checkpoint, models/quantized/cache.ts) and the feature metadata says so.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VizWizError } from '../../errors.js';
import type { SessionOptions } from '../../engine/graph-session.js';
import { buildInference, fusedFor, type ComputeDType } from '../../engine/inference.js';
import { InferenceRunner } from '../../engine/inference-runner.js';
import { Tensor } from '../../engine/tensor.js';
import type { RgbImage } from '../../images/rgb.js';
import type { EncoderLoadOptions, ImageTextEncoder } from '../encoder.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import { parseClipConfig, type ClipConfig } from './config.js';
import { clipTextModel, clipVisionModel } from './model.js';
import { clipPreprocess, clipPreprocessConfig, type ClipPreprocessConfig } from './preprocess.js';
import { ClipTokenizer } from './tokenizer.js';
import { loadClipWeights } from './weights.js';
import { QUANT_SCHEMES, type QuantSchemeName } from '../../engine/block-quantize.js';
import type { QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import { defaultQuantizedCacheDir, loadOrQuantize } from '../quantized/cache.js';
import { linearSelection } from '../quantized/linear-weights.js';
import { WeightStore } from '../sources/weights.js';

export interface ClipEncoderOptions extends EncoderLoadOptions {
  /** Registry id reported by the encoder (default 'clip'). */
  id?: string;
  /** L2-normalise the embeddings (default true; see the module comment). */
  normalize?: boolean;
  /** Most images per session run (default 8). */
  imageBatch?: number;
  /** Most texts per session run (default 64). */
  textBatch?: number;
  /** Preprocessing (default: CLIP's, at the vision config's image_size). */
  preprocess?: ClipPreprocessConfig;
  patchEmbed?: PatchEmbedMethod;
  optimization?: SessionOptions['optimization'];
  /** Block-quantize the vision tower's Linear weights (int8, int4); the text tower stays float32. */
  quantize?: QuantSchemeName;
  /**
   * Compute dtype of both towers (default float32). float16 needs a GPU device in practice (onnxruntime's CPU provider
   * computes most float16 ops in float32); it does not combine with `quantize`. The feature metadata records it.
   */
  dtype?: ComputeDType;
  /** ONNX Runtime's fused kernels in both towers (default: on WebGPU only, `fusedFor`; decision 012). */
  fused?: boolean;
  /** Where quantized weights are cached (default `<checkpoint>/.vizwiz-quantized`). */
  quantizedCacheDir?: string;
  log?: (line: string) => void;
}

/** Runs `count` rows through `run` in chunks of at most `batch`, writing `dim` outputs per row. */
async function chunked(count: number, batch: number, dim: number, run: (start: number, n: number) => Promise<Float32Array>): Promise<Float32Array> {
  const out = new Float32Array(count * dim);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    out.set(await run(start, n), start * dim);
  }
  return out;
}

export async function createClipEncoder(
  weights: ReadonlyMap<string, WeightArray>,
  tokenizer: ClipTokenizer | null,
  config: ClipConfig,
  o: ClipEncoderOptions & { quantized?: QuantizedSelection } = {},
): Promise<ImageTextEncoder> {
  const vision = config.vision;
  if (!vision) throw new VizWizError('INVALID_ARGUMENT', `a CLIP encoder needs a vision tower; the config describes a ${config.architecture}`);
  const text = tokenizer ? config.text : undefined;
  if (text && tokenizer && tokenizer.maxLength > text.maxPositions) {
    throw new VizWizError(
      'INVALID_ARGUMENT',
      `tokenizer maxLength ${tokenizer.maxLength} exceeds the text tower's ${text.maxPositions} positions; create the tokenizer with { maxLength: ${text.maxPositions} }`,
    );
  }
  const pre = o.preprocess ?? clipPreprocessConfig(vision.imageSize);
  if (pre.crop !== vision.imageSize)
    throw new VizWizError('INVALID_ARGUMENT', `preprocessing crops ${pre.crop} pixels but the model takes ${vision.imageSize}`);
  const normalize = o.normalize ?? true;
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && (o.quantized || o.quantize !== undefined)) {
    throw new VizWizError('INVALID_ARGUMENT', `a ${dtype} CLIP encoder cannot read block-quantized weights: choose float16 compute or quantization, not both`);
  }
  const session: SessionOptions = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}), optimization: o.optimization ?? 'all' };
  const fused = o.fused ?? fusedFor(session.device ?? 'cpu');
  const imageOut = normalize ? 'image_embeds_normalized' : 'image_embeds';
  const textOut = normalize ? 'text_embeds_normalized' : 'text_embeds';
  const visionModel = clipVisionModel(vision, o.patchEmbed ? { patchEmbed: o.patchEmbed } : {});
  const visionRunner = await InferenceRunner.create(
    buildInference(visionModel, { outputs: [imageOut], quantized: o.quantized, dtype, fused }),
    weights,
    session,
  );
  const textModel = text ? clipTextModel(text) : undefined;
  const textRunner = textModel ? await InferenceRunner.create(buildInference(textModel, { outputs: [textOut], dtype, fused }), weights, session) : undefined;

  const pixelsPerImage = vision.channels * vision.imageSize * vision.imageSize;
  const imageBatch = o.imageBatch ?? 8;
  const textBatch = o.textBatch ?? 64;

  const encoder: ImageTextEncoder = {
    id: o.id ?? 'clip',
    imageDim: vision.projectionDim,
    textDim: text?.projectionDim,
    pixelsPerImage,
    metadata: {
      embeddings: normalize ? 'projection, L2-normalised' : 'projection',
      preprocessing: `short side ${pre.resize} (Pillow-exact bicubic), centre crop ${pre.crop}, mean ${pre.mean.join('/')}, std ${pre.std.join('/')}`,
      ...(text && tokenizer ? { text_max_tokens: String(tokenizer.maxLength) } : {}),
      ...(o.quantized ? { vision_quantized: JSON.stringify(o.quantized.scheme) } : {}),
      // Only when not float32, so feature files extracted before the option keep their fingerprint.
      ...(dtype !== 'float32' ? { dtype } : {}),
    },
    preprocess(image: RgbImage, out: Float32Array): void {
      clipPreprocess(image, out, pre);
    },
    async encodeImages(pixels: Float32Array, count: number): Promise<Float32Array> {
      if (pixels.length < count * pixelsPerImage)
        throw new VizWizError('INVALID_ARGUMENT', `${count} images need ${count * pixelsPerImage} pixel values, got ${pixels.length}`);
      return chunked(count, imageBatch, vision.projectionDim, async (start, n) => {
        const view = pixels.subarray(start * pixelsPerImage, (start + n) * pixelsPerImage);
        const feeds = { pixel_values: Tensor.f32(view, [n, vision.channels, vision.imageSize, vision.imageSize]) };
        return (await visionRunner.run(feeds))[imageOut]!.floats();
      });
    },
    async dispose(): Promise<void> {
      await visionRunner.dispose();
      await textRunner?.dispose();
    },
  };
  if (text && tokenizer && textRunner) {
    encoder.encodeTexts = (texts: readonly string[]): Promise<Float32Array> =>
      chunked(texts.length, textBatch, text.projectionDim, async (start, n) => {
        const b = tokenizer.encodeBatch(texts.slice(start, start + n));
        const feeds = {
          input_ids: Tensor.i64(b.inputIds, [b.rows, b.length]),
          attention_mask: Tensor.i64(b.attentionMask, [b.rows, b.length]),
        };
        return (await textRunner.run(feeds))[textOut]!.floats();
      });
  }
  return encoder;
}

/** A CLIP encoder from a checkpoint folder: config.json, safetensors weights (one file or sharded), tokenizer files. */
export async function loadClipEncoder(dir: string, o: ClipEncoderOptions & { withText?: boolean } = {}): Promise<ImageTextEncoder> {
  const configFile = path.join(dir, 'config.json');
  if (!existsSync(configFile)) throw new VizWizError('NOT_FOUND', `${dir}: no config.json (is this a CLIP checkpoint folder?)`);
  const config = parseClipConfig(JSON.parse(await readFile(configFile, 'utf8')));
  const withText = (o.withText ?? true) && config.text !== undefined;
  const visionSpecs = config.vision ? clipVisionModel(config.vision).params : [];
  const specs = [...visionSpecs, ...(withText && config.text ? clipTextModel(config.text).params : [])];
  const tokenizer = withText ? await ClipTokenizer.fromFolder(dir, { maxLength: config.text?.maxPositions ?? 77 }) : null;
  if (o.quantize !== undefined && (o.dtype ?? 'float32') !== 'float32') {
    throw new VizWizError(
      'INVALID_ARGUMENT',
      `a ${o.dtype} CLIP encoder cannot read block-quantized weights: choose float16 compute or quantization, not both`,
    );
  }
  if (o.quantize === undefined) return createClipEncoder(await loadClipWeights(dir, specs), tokenizer, config, o);
  const selection = linearSelection(visionSpecs, QUANT_SCHEMES[o.quantize]);
  const store = await WeightStore.open(dir);
  try {
    const cached = await loadOrQuantize({
      files: store.files,
      readF32: (name, shape) => store.readF32Shaped(name, shape),
      selection,
      schemeName: o.quantize,
      specs: visionSpecs,
      cacheDir: o.quantizedCacheDir ?? defaultQuantizedCacheDir(dir),
    });
    o.log?.(`${o.quantize} vision weights ${cached.reused ? 'read from' : 'quantized once and cached in'} ${cached.file}`);
    const floats = await loadClipWeights(
      dir,
      specs.filter((s) => !selection.names.has(s.name)),
    );
    return await createClipEncoder(new Map<string, WeightArray>([...floats, ...cached.parts]), tokenizer, config, { ...o, quantized: selection });
  } finally {
    await store.close();
  }
}
