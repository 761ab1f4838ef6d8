/**
 * A tiny, randomly initialised ResNet-50 (the real 3/4/6/3 bottleneck topology, widths / 16, torchvision key names),
 * written as a checkpoint folder with model.safetensors: the embedded default's stand-in for timm/resnet50.tv_in1k.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeParamFile } from '../clip/tiny.js';
import { RESNET50, resnetStateShapes, type ResnetConfig } from './config.js';
import { randomResnetWeights } from './random.js';

export const TINY_RESNET50: ResnetConfig = { ...RESNET50, widths: [4, 8, 16, 32], stem: 4 };

/** Writes the tiny ResNet-50 checkpoint folder and returns its path. */
export async function writeTinyResnet(dir: string, seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  const shapes = resnetStateShapes(TINY_RESNET50);
  await writeParamFile(join(dir, 'model.safetensors'), randomResnetWeights(shapes, seed), shapes);
  return dir;
}
