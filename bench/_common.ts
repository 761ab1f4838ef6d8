/**
 * What the benchmarks share: the repository root, finding a Python that can import the PyTorch peer, photo-like
 * synthetic JPEGs (smooth colour fields plus noise), JPEG decoding to RGB, and rounding for the JSON lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Rng } from '../src/random/rng.js';
import type { RgbImage } from '../src/images/rgb.js';

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `.venv/bin/python`, else `python3`, if it can import `modules`; null when neither can (the peer is skipped). */
export function findPython(modules = 'torch'): string | null {
  const venv = path.join(root, '.venv', 'bin', 'python');
  for (const py of [venv, 'python3']) {
    if (py === venv && !existsSync(venv)) continue;
    if (spawnSync(py, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0) return py;
  }
  return null;
}

/** `count` JPEGs (quality 90), the k-th of size sizes[k % sizes.length], deterministic for the seed. */
export async function syntheticJpegs(count: number, sizes: readonly (readonly [number, number])[], seed = 11): Promise<Buffer[]> {
  const rng = new Rng(seed);
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const [width, height] = sizes[k % sizes.length] as [number, number];
    const raw = Buffer.alloc(width * height * 3);
    const [a, b, c] = [rng.uniform(0.5, 4), rng.uniform(0.5, 4), rng.uniform(0, 6)];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [u, v, i] = [x / width, y / height, (y * width + x) * 3];
        raw[i] = 128 + 100 * Math.sin(a * u * 6 + c) + rng.uniform(-20, 20);
        raw[i + 1] = 128 + 100 * Math.cos(b * v * 6 - c) + rng.uniform(-20, 20);
        raw[i + 2] = 128 + 100 * Math.sin((u + v) * (a + b) * 3) + rng.uniform(-20, 20);
      }
    }
    out.push(
      await sharp(raw, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return out;
}

/** Decodes a JPEG to 8-bit RGB with EXIF orientation applied. */
export async function decodeJpeg(jpeg: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(jpeg).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Rounds to `digits` decimals. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
