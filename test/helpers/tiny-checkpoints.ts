/**
 * Tiny, randomly initialised checkpoints of the real encoder architectures, written as Hugging Face-style folders
 * (config.json + model.safetensors [+ tokenizer files]) so tests can run extraction end to end through the registry.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParams } from '../../src/engine/init.js';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/safetensors.js';
import { parseClipConfig } from '../../src/models/clip/config.js';
import { clipModelParams } from '../../src/models/clip/model.js';
import { RESNET50, resnetStateShapes, type ResnetConfig } from '../../src/models/resnet/config.js';
import { randomResnetWeights } from '../../src/models/resnet/random.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A CLIPModel config: ViT with patch 14 on 28 px images, a 2-layer text tower over the fixture BPE vocabulary. */
export const TINY_CLIP_CONFIG = {
  architectures: ['CLIPModel'],
  model_type: 'clip',
  projection_dim: 16,
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
    projection_dim: 16,
  },
  vision_config: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    image_size: 28,
    patch_size: 14,
    hidden_act: 'quick_gelu',
    projection_dim: 16,
  },
};

async function writeParams(file: string, params: Map<string, Float32Array>, shapes: Map<string, readonly number[]>): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of params) tensors[name] = { dtype: 'F32', shape: shapes.get(name) ?? [], data };
  await writeSafetensors(file, tensors);
}

/** Writes a tiny random CLIP checkpoint folder (with the fixture tokenizer) and returns its path. */
export async function writeTinyClip(dir: string, seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(TINY_CLIP_CONFIG, null, 2));
  const specs = clipModelParams(parseClipConfig(TINY_CLIP_CONFIG));
  const params = initParams(
    specs.map((s) => (s.init.kind === 'constant' && s.name.endsWith('.weight') ? s : { ...s, init: { kind: 'normal' as const, std: 0.05 } })),
    seed,
  );
  await writeParams(join(dir, 'model.safetensors'), params, new Map(specs.map((s) => [s.name, s.shape])));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt']) {
    await copyFile(join(fixtures, 'clip', 'tokenizer', f), join(dir, f));
  }
  return dir;
}

/** ResNet-50's topology (3/4/6/3 bottlenecks) with widths / 16, like the golden resnet50_tiny. */
export const TINY_RESNET50: ResnetConfig = { ...RESNET50, widths: [4, 8, 16, 32], stem: 4 };

/** Writes a tiny random ResNet-50 checkpoint (torchvision key names) and returns the folder. */
export async function writeTinyResnet(dir: string, seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  const shapes = resnetStateShapes(TINY_RESNET50);
  await writeParams(join(dir, 'model.safetensors'), randomResnetWeights(shapes, seed), shapes);
  return dir;
}
