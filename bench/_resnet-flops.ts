/**
 * Floating-point operations of one ResNet forward pass to the pooled features (2 per multiply-add of every conv; the
 * BatchNorms are folded, and ReLU, pooling and the residual adds are left out, < 0.5% of the total): 8.18 GFLOP for
 * ResNet-50 at 224 x 224, torchvision's "4.09 GFLOPS" counted in multiply-adds. The roofline of extract-resnet50.
 */

import { resnetBlocks, type ResnetConfig } from '../src/models/resnet/config.js';

/** 2 * out * in * k * k * outSide^2 for a square conv. */
function conv(inC: number, outC: number, k: number, outSide: number): number {
  return 2 * outC * inC * k * k * outSide * outSide;
}

export function resnetFlops(c: ResnetConfig, imageSize: number): number {
  let side = Math.ceil(imageSize / 2); // the 7x7 stem conv, stride 2
  let flops = conv(3, c.stem, 7, side);
  side = Math.ceil(side / 2); // max pool, stride 2
  for (const stage of resnetBlocks(c)) {
    for (const b of stage) {
      const out = Math.ceil(side / b.stride);
      flops += conv(b.inChannels, b.width, 1, side) + conv(b.width, b.width, 3, out) + conv(b.width, b.outChannels, 1, out);
      if (b.downsample) flops += conv(b.inChannels, b.outChannels, 1, out);
      side = out;
    }
  }
  return flops;
}
