/**
 * ResNet (Bottleneck, torchvision layout) architecture as data: blocks per stage, bottleneck widths, stem width,
 * expansion, classes, BatchNorm eps. `RESNET50` is torchvision's resnet50(); the golden `resnet50_tiny` is the same
 * topology with widths / 16. `inferResnetConfig` reads the config back from a state dict by tensor lengths (so a
 * Map<string, Float32Array> without shapes is enough), and `resnetStateShapes` lists every state-dict tensor
 * (torchvision names and shapes, `num_batches_tracked` excluded) for validation and random weights.
 */

import { VizWizError } from '../../errors.js';

export interface ResnetConfig {
  /** Bottleneck blocks per stage: [3, 4, 6, 3] for ResNet-50. */
  readonly layers: readonly number[];
  /** Bottleneck (3x3 conv) width per stage: [64, 128, 256, 512]. Stage output = width * expansion. */
  readonly widths: readonly number[];
  /** Output channels of the 7x7 stem conv: 64. */
  readonly stem: number;
  readonly expansion: number; // 4
  /** Classes of the `fc` layer; 0 = no classifier in the checkpoint. */
  readonly numClasses: number;
  readonly bnEps: number; // 1e-5
}

export const RESNET50: ResnetConfig = { layers: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: 64, expansion: 4, numClasses: 1000, bnEps: 1e-5 };

/** Width of the pooled features: last stage width * expansion (2048 for ResNet-50). */
export function pooledWidth(c: ResnetConfig): number {
  return (c.widths[c.widths.length - 1] ?? 0) * c.expansion;
}

/** One bottleneck block: its name prefix, channels and stride (on the 3x3 conv, "v1.5"). */
export interface BlockLayout {
  readonly prefix: string; // 'layer2.0'
  readonly inChannels: number;
  readonly width: number;
  readonly outChannels: number;
  readonly stride: number;
  readonly downsample: boolean;
}

/** The blocks of each stage, in order. */
export function resnetBlocks(c: ResnetConfig): BlockLayout[][] {
  let inChannels = c.stem;
  return c.layers.map((count, s) => {
    const width = c.widths[s] as number;
    const outChannels = width * c.expansion;
    const blocks: BlockLayout[] = [];
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      blocks.push({
        prefix: `layer${s + 1}.${b}`,
        inChannels,
        width,
        outChannels,
        stride,
        downsample: b === 0 && (stride !== 1 || inChannels !== outChannels),
      });
      inChannels = outChannels;
    }
    return blocks;
  });
}

const bnShapes = (name: string, n: number): [string, number[]][] =>
  ['weight', 'bias', 'running_mean', 'running_var'].map((k): [string, number[]] => [`${name}.${k}`, [n]]);

/** Every float tensor of the torchvision state dict, in module order: name -> shape. */
export function resnetStateShapes(c: ResnetConfig): Map<string, number[]> {
  const m = new Map<string, number[]>([['conv1.weight', [c.stem, 3, 7, 7]], ...bnShapes('bn1', c.stem)]);
  for (const stage of resnetBlocks(c)) {
    for (const b of stage) {
      const p = b.prefix;
      m.set(`${p}.conv1.weight`, [b.width, b.inChannels, 1, 1]);
      for (const [k, v] of bnShapes(`${p}.bn1`, b.width)) m.set(k, v);
      m.set(`${p}.conv2.weight`, [b.width, b.width, 3, 3]);
      for (const [k, v] of bnShapes(`${p}.bn2`, b.width)) m.set(k, v);
      m.set(`${p}.conv3.weight`, [b.outChannels, b.width, 1, 1]);
      for (const [k, v] of bnShapes(`${p}.bn3`, b.outChannels)) m.set(k, v);
      if (b.downsample) {
        m.set(`${p}.downsample.0.weight`, [b.outChannels, b.inChannels, 1, 1]);
        for (const [k, v] of bnShapes(`${p}.downsample.1`, b.outChannels)) m.set(k, v);
      }
    }
  }
  if (c.numClasses > 0) {
    m.set('fc.weight', [c.numClasses, pooledWidth(c)]);
    m.set('fc.bias', [c.numClasses]);
  }
  return m;
}

/** Reads the architecture back from state-dict tensor lengths (BatchNorm vectors give the widths). */
export function inferResnetConfig(lengths: ReadonlyMap<string, { length: number }>, bnEps = 1e-5): ResnetConfig {
  const len = (name: string): number => {
    const t = lengths.get(name);
    if (!t) throw new VizWizError('INVALID_CHECKPOINT', `not a torchvision ResNet state dict: tensor '${name}' is missing`);
    return t.length;
  };
  const stem = len('bn1.weight');
  const layers: number[] = [];
  const widths: number[] = [];
  let expansion = 0;
  for (let s = 1; lengths.has(`layer${s}.0.conv1.weight`); s++) {
    let blocks = 0;
    while (lengths.has(`layer${s}.${blocks}.conv1.weight`)) blocks++;
    const width = len(`layer${s}.0.bn1.weight`);
    const e = len(`layer${s}.0.bn3.weight`) / width;
    if (expansion !== 0 && e !== expansion) throw new VizWizError('INVALID_CHECKPOINT', `layer${s} expands ${e}x, earlier stages ${expansion}x`);
    expansion = e;
    layers.push(blocks);
    widths.push(width);
  }
  if (layers.length === 0) throw new VizWizError('INVALID_CHECKPOINT', "not a torchvision ResNet state dict: no 'layer1.0.conv1.weight' (Bottleneck blocks)");
  const numClasses = lengths.has('fc.bias') ? len('fc.bias') : 0;
  return { layers, widths, stem, expansion, numClasses, bnEps };
}
