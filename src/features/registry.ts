/**
 * The encoder registry, in the open_clip spirit: each encoder is data - its id, architecture, default weights
 * source, preprocessing, output sizes - plus one loader that builds it from a resolved source. Extraction and the
 * CLI look encoders up here instead of branching on names; adding an encoder (another CLIP size, a SigLIP) is one
 * more entry. `loadEncoder` resolves the source (local folder or hf:org/repo, see src/models/sources), applies
 * overrides to the architecture, calls the loader and stamps the encoder with metadata for the feature file.
 */
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { Device } from '../engine/device.js';
import type { ComputeDType } from '../engine/inference.js';
import { VizWizError } from '../errors.js';
import type { HubClient } from '../models/sources/hub-client.js';
import { resolveModelSource, type ResolvedSource } from '../models/sources/resolve.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { createPixelProjectionEncoder, PIXEL_PROJECTION_DEFAULTS } from './pixel-projection.js';
import { withMetadata } from './with-metadata.js';
import { loadClipEncoder } from '../models/clip/encoder.js';
import { createResnetEncoder } from '../models/resnet/encoder.js';

/** How an encoder turns an RgbImage into its input tensor (documentation and checks; the encoder implements it). */
export interface PreprocessingSpec {
  /** 'shortest-side': resize the short side to `resize`, then centre-crop `crop`; 'fill': resize to crop x crop. */
  readonly mode: 'shortest-side' | 'fill';
  readonly resize: number;
  readonly crop: number;
  readonly interpolation: 'bicubic' | 'bilinear';
  /** Per-channel RGB mean and std applied after scaling to [0, 1]. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export interface EncoderLoadContext {
  readonly spec: EncoderSpec;
  /** spec.architecture with the caller's overrides applied. */
  readonly architecture: Readonly<Record<string, unknown>>;
  readonly device: Device;
  readonly threads?: number;
  /** Block-quantized vision weights (encoders with a transformer vision tower only). */
  readonly quantize?: QuantSchemeName;
  /** Compute dtype (CLIP encoders only; default float32). */
  readonly dtype?: ComputeDType;
  readonly log?: (line: string) => void;
}

/** Builds an encoder from its resolved weights folder (undefined for encoders without weights). */
export type EncoderLoader = (source: ResolvedSource | undefined, context: EncoderLoadContext) => Promise<ImageTextEncoder>;

export interface EncoderSpec {
  readonly id: string;
  readonly description: string;
  /** Architecture settings; for checkpoint-backed encoders the checkpoint's config.json is authoritative. */
  readonly architecture: Readonly<Record<string, unknown>>;
  /** Default weights (`hf:org/repo` or a folder); undefined when the encoder needs none. */
  readonly defaultSource: string | undefined;
  readonly preprocessing: PreprocessingSpec;
  readonly imageDim: number;
  /** Question-embedding size; undefined when the encoder has no text tower. */
  readonly textDim: number | undefined;
  readonly load: EncoderLoader;
}

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** The built-in encoders. */
const BUILTIN_ENCODERS: readonly EncoderSpec[] = [
  {
    id: 'clip-vit-l14-336',
    description: 'CLIP ViT-L/14 at 336 px (OpenAI): 768-d image and question embeddings (projections)',
    architecture: {
      family: 'clip',
      vision: { imageSize: 336, patchSize: 14, hiddenSize: 1024, layers: 24, heads: 16, intermediateSize: 4096 },
      text: { hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072, maxPositions: 77, vocabSize: 49408 },
      projectionDim: 768,
      activation: 'quick_gelu',
    },
    defaultSource: 'hf:openai/clip-vit-large-patch14-336',
    preprocessing: { mode: 'shortest-side', resize: 336, crop: 336, interpolation: 'bicubic', mean: CLIP_MEAN, std: CLIP_STD },
    imageDim: 768,
    textDim: 768,
    load: (source, ctx) => {
      if (!source) throw new Error('the CLIP encoder needs a model source');
      return loadClipEncoder(source.dir, {
        id: ctx.spec.id,
        device: ctx.device,
        ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
        ...(ctx.quantize !== undefined ? { quantize: ctx.quantize } : {}),
        ...(ctx.dtype !== undefined ? { dtype: ctx.dtype } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
      });
    },
  },
  {
    id: 'resnet50',
    description: 'ResNet-50 (torchvision ImageNet weights via timm): 2048-d globally pooled image features, no text',
    architecture: { family: 'resnet', block: 'bottleneck', layers: [3, 4, 6, 3], widths: [64, 128, 256, 512], expansion: 4 },
    defaultSource: 'hf:timm/resnet50.tv_in1k',
    preprocessing: { mode: 'shortest-side', resize: 256, crop: 224, interpolation: 'bilinear', mean: IMAGENET_MEAN, std: IMAGENET_STD },
    imageDim: 2048,
    textDim: undefined,
    load: (source, ctx) => {
      if (!source) throw new Error('the ResNet-50 encoder needs a model source');
      return createResnetEncoder(source.weights, { id: ctx.spec.id, device: ctx.device, ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}) });
    },
  },
  {
    id: 'pixel-projection',
    description: 'weight-free stand-in: seeded random projection of a 16 x 16 thumbnail, hashed bag of question words',
    architecture: { ...PIXEL_PROJECTION_DEFAULTS },
    defaultSource: undefined,
    preprocessing: { mode: 'fill', resize: 16, crop: 16, interpolation: 'bicubic', mean: [0.5, 0.5, 0.5], std: [1, 1, 1] },
    imageDim: PIXEL_PROJECTION_DEFAULTS.imageDim,
    textDim: PIXEL_PROJECTION_DEFAULTS.textDim,
    load: async (_source, { architecture }) =>
      createPixelProjectionEncoder({
        imageDim: architecture.imageDim as number,
        textDim: architecture.textDim as number,
        resolution: architecture.resolution as number,
        seed: architecture.seed as number,
      }),
  },
];

const registry = new Map<string, EncoderSpec>(BUILTIN_ENCODERS.map((e) => [e.id, e]));

/** Adds an encoder (another CLIP size, a plug-in, a test double); ids are unique. */
export function registerEncoder(spec: EncoderSpec): void {
  if (registry.has(spec.id)) throw new VizWizError('INVALID_ARGUMENT', `encoder "${spec.id}" is already registered`);
  registry.set(spec.id, spec);
}

/** Registered encoder ids, built-ins first. */
export function encoderIds(): string[] {
  return [...registry.keys()];
}

export function getEncoderSpec(id: string): EncoderSpec {
  const spec = registry.get(id);
  if (!spec) throw new VizWizError('INVALID_ARGUMENT', `unknown encoder "${id}": use one of ${encoderIds().join(', ')}`);
  return spec;
}

export interface LoadEncoderOptions {
  /** Weights source (folder or hf:org/repo[@revision]); default: the registry's. */
  source?: string;
  device?: Device;
  threads?: number;
  /** Architecture settings to override (e.g. pixel-projection's imageDim, seed). */
  overrides?: Readonly<Record<string, unknown>>;
  /** Block-quantize the vision tower's Linear weights (CLIP encoders; others refuse it). */
  quantize?: QuantSchemeName;
  /** Compute dtype: float16 for the CLIP encoders (others refuse it); default float32. */
  dtype?: ComputeDType;
  /** Source resolution: cache folder, offline switch, hub client, log (see resolveModelSource). */
  cacheDir?: string;
  offline?: boolean;
  client?: HubClient;
  log?: (line: string) => void;
}

/** Whether `--quantize` applies to encoder `id`: the CLIP encoders (a transformer vision tower of Linears). */
export function quantizableEncoder(id: string): boolean {
  return getEncoderSpec(id).architecture.family === 'clip';
}

export async function loadEncoder(id: string, options: LoadEncoderOptions = {}): Promise<ImageTextEncoder> {
  const spec = getEncoderSpec(id);
  if (options.quantize !== undefined && !quantizableEncoder(id)) {
    throw new VizWizError('USAGE', `--quantize applies to the CLIP encoders, not to ${id} (a convolutional or weight-free encoder)`);
  }
  if (options.dtype !== undefined && options.dtype !== 'float32' && spec.architecture.family !== 'clip') {
    throw new VizWizError('USAGE', `--dtype f16 applies to the CLIP encoders, not to ${id} (a convolutional or weight-free encoder)`);
  }
  const sourceText = options.source ?? spec.defaultSource;
  if (options.source !== undefined && spec.defaultSource === undefined) {
    throw new VizWizError('INVALID_ARGUMENT', `encoder "${id}" has no weights, so it takes no model source (got "${options.source}")`);
  }
  const resolved =
    sourceText === undefined
      ? undefined
      : await resolveModelSource(sourceText, {
          ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
          ...(options.offline !== undefined ? { offline: options.offline } : {}),
          ...(options.client ? { client: options.client } : {}),
          ...(options.log ? { log: options.log } : {}),
        });
  const overrides = options.overrides ?? {};
  const context: EncoderLoadContext = {
    spec,
    architecture: { ...spec.architecture, ...overrides },
    device: options.device ?? 'cpu',
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.quantize !== undefined ? { quantize: options.quantize } : {}),
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const encoder = await spec.load(resolved, context);
  const stamp: Record<string, string> = { encoder: id };
  if (resolved) stamp.source = resolved.source;
  if (resolved?.commit) stamp.commit = resolved.commit;
  for (const [k, v] of Object.entries(overrides)) stamp[`arch.${k}`] = JSON.stringify(v);
  return withMetadata(encoder, stamp);
}
