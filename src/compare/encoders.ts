/**
 * Which weights each model of the comparison uses. With real data the registry's default sources apply
 * (hf:openai/clip-vit-large-patch14-336, hf:timm/resnet50.tv_in1k, hf:google/paligemma-3b-pt-224) unless overridden.
 * The embedded default uses small randomly initialised models of the real architectures that the project writes
 * itself into OUT/models (deterministic for the seed), so the whole pipeline runs offline in minutes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyClip } from '../models/clip/tiny.js';
import { writeTinyResnet } from '../models/resnet/tiny.js';

export interface ModelSources {
  clip: string | undefined;
  resnet: string | undefined;
  paligemma: string | undefined;
}

/** Writes a tiny checkpoint folder once (its config.json or model file marks it complete). */
async function once(dir: string, marker: string, write: (dir: string) => Promise<unknown>): Promise<string> {
  if (!existsSync(join(dir, marker))) await write(dir);
  return dir;
}

/** The embedded default's tiny encoders (CLIP and ResNet-50); PaliGemma's is written by its stage. */
export async function tinyEncoderSources(out: string, seed: number): Promise<Pick<ModelSources, 'clip' | 'resnet'>> {
  return {
    clip: await once(join(out, 'models', 'tiny-clip'), 'config.json', (d) => writeTinyClip(d, seed + 1)),
    resnet: await once(join(out, 'models', 'tiny-resnet50'), 'model.safetensors', (d) => writeTinyResnet(d, seed + 2)),
  };
}
