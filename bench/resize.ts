/**
 * Preprocessing micro-benchmark: one decoded 640x480 photo (and its 480x640 portrait) through each encoder's
 * Pillow-exact preprocessing on one core - ResNet's Resize(256) + CenterCrop(224) (bilinear), CLIP's short side +
 * centre crop at 224 and 336 (bicubic), SigLIP's squash to 224 (bicubic) - reporting the median and fastest milliseconds per image.
 * `npm run bench -- resize [--runs N]` (default 200 runs per case, after 20 warm-up runs).
 */
import { performance } from 'node:perf_hooks';
import { clipPreprocess, clipPreprocessConfig } from '../src/models/clip/preprocess.js';
import { IMAGENET_PREPROCESS, preprocessImagenet } from '../src/models/resnet/preprocess.js';
import { siglipPreprocess } from '../src/models/siglip/preprocess.js';
import type { RgbImage } from '../src/images/rgb.js';
import { decodeJpeg, round, syntheticJpegs } from './_common.js';

interface Case {
  name: string;
  crop: number;
  preprocess(image: RgbImage, out: Float32Array<ArrayBuffer>): void;
}

const CASES: Case[] = [
  { name: 'resnet bilinear 256 -> crop 224', crop: 224, preprocess: (img, out) => preprocessImagenet(img, out, IMAGENET_PREPROCESS) },
  { name: 'clip bicubic 224 -> crop 224', crop: 224, preprocess: (img, out) => clipPreprocess(img, out, clipPreprocessConfig(224)) },
  { name: 'clip bicubic 336 -> crop 336', crop: 336, preprocess: (img, out) => clipPreprocess(img, out, clipPreprocessConfig(336)) },
  { name: 'siglip bicubic squash 224', crop: 224, preprocess: (img, out) => siglipPreprocess(img, 224, out) },
];

/** Median and fastest milliseconds of `runs` calls of `f` after `warmup` calls (the fastest is the steadier figure
 * on a machine shared with other work). */
function timeMs(f: () => void, runs: number, warmup = 20): { median: number; min: number } {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] as number, min: times[0] as number };
}

export async function run(args: string[] = []): Promise<void> {
  const at = args.indexOf('--runs');
  const runs = at >= 0 ? Number(args[at + 1]) : 200;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a positive integer, got ${args[at + 1]}`);
  const photos = await Promise.all(
    (
      await syntheticJpegs(2, [
        [640, 480],
        [480, 640],
      ])
    ).map(decodeJpeg),
  );
  const median: Record<string, number> = {};
  const min: Record<string, number> = {};
  for (const c of CASES) {
    const out = new Float32Array(3 * c.crop * c.crop);
    for (const photo of photos) {
      const key = `${c.name} (${photo.width}x${photo.height})`;
      const t = timeMs(() => c.preprocess(photo, out), runs);
      median[key] = round(t.median, 3);
      min[key] = round(t.min, 3);
      console.error(`${key}: median ${median[key]} ms, fastest ${min[key]} ms`);
    }
  }
  console.log(JSON.stringify({ name: 'resize', runs, median_ms: median, min_ms: min }));
}
