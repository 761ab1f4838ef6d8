/**
 * A tiny, randomly initialised CLIP of the real architecture (ViT with patch 14, pre-LN text tower, projections),
 * written as a Hugging Face checkpoint folder: config.json, model.safetensors and a small BPE tokenizer. It is the
 * embedded default's stand-in for openai/clip-vit-large-patch14-336 (no download, deterministic for a seed) and the
 * test suite's way to run the real code path end to end.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParams } from '../../engine/init.js';
import { writeSafetensors, type TensorToWrite } from '../../engine/safetensors.js';
import type { ParamSpec } from '../../engine/model.js';
import { parseClipConfig } from './config.js';
import { clipModelParams } from './model.js';

/** The BPE tokenizer shipped with the project for the tiny models (536 tokens: bos 534, eos 535). */
const TINY_CLIP_TOKENIZER_DIR = fileURLToPath(new URL('../../../assets/tiny-clip-tokenizer/', import.meta.url));

/** A CLIPModel config: ViT with patch 14 on 56 px images, a 2-layer text tower over the tiny BPE vocabulary. */
export const TINY_CLIP_CONFIG = {
  architectures: ['CLIPModel'],
  model_type: 'clip',
  projection_dim: 64,
  logit_scale_init_value: 2.6592,
  text_config: {
    vocab_size: 536,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    max_position_embeddings: 77,
    hidden_act: 'quick_gelu',
    bos_token_id: 534,
    eos_token_id: 535,
    projection_dim: 64,
  },
  vision_config: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    image_size: 56,
    patch_size: 14,
    hidden_act: 'quick_gelu',
    projection_dim: 64,
  },
};

/** Writes float32 tensors named like `specs` to a safetensors file. */
export async function writeParamFile(file: string, params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of params) tensors[name] = { dtype: 'F32', shape: shapes.get(name) ?? [], data };
  await writeSafetensors(file, tensors);
}

/** Random init with weights ~ N(0, 0.25) (LayerNorm weights stay 1), large enough that the class token sees the image (smaller weights collapse every image to nearly the same embedding). */
function smallNormal(specs: readonly ParamSpec[]): ParamSpec[] {
  return specs.map((s) => (s.init.kind === 'constant' && s.name.endsWith('.weight') ? s : { ...s, init: { kind: 'normal', std: 0.25 } }));
}

/** Writes the tiny CLIP checkpoint folder and returns its path. */
export async function writeTinyClip(dir: string, seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  const specs = clipModelParams(parseClipConfig(TINY_CLIP_CONFIG));
  await writeParamFile(join(dir, 'model.safetensors'), initParams(smallNormal(specs), seed), new Map(specs.map((s) => [s.name, s.shape])));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt']) {
    await copyFile(join(TINY_CLIP_TOKENIZER_DIR, f), join(dir, f));
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify(TINY_CLIP_CONFIG, null, 2));
  return dir;
}
