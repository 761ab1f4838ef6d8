/**
 * Shared helpers for the sample-dataset tests: temporary folders, hashing, decoding images to raw pixels,
 * pixel statistics, majority answers and reading zips with yauzl.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { normaliseLoosely } from '../../../src/data/sample/index.js';
import type { VizWizAnswer } from '../../../src/data/types.js';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `vizwiz-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Pixels {
  width: number;
  height: number;
  data: Buffer;
}

/** Decodes an image file or buffer to raw 8-bit RGB. */
export async function decodeRgb(input: string | Buffer): Promise<Pixels> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Mean over all channels of all pixels. */
export function meanPixel(p: Pixels): number {
  let sum = 0;
  for (const v of p.data) sum += v;
  return sum / p.data.length;
}

/** Mean absolute 4-neighbour Laplacian of the grey image: high-frequency energy. */
export function laplacianEnergy(p: Pixels): number {
  const grey = (x: number, y: number): number => {
    const i = (y * p.width + x) * 3;
    return ((p.data[i] ?? 0) + (p.data[i + 1] ?? 0) + (p.data[i + 2] ?? 0)) / 3;
  };
  let sum = 0;
  let count = 0;
  for (let y = 1; y < p.height - 1; y++) {
    for (let x = 1; x < p.width - 1; x++) {
      sum += Math.abs(4 * grey(x, y) - grey(x - 1, y) - grey(x + 1, y) - grey(x, y - 1) - grey(x, y + 1));
      count++;
    }
  }
  return sum / count;
}

/** Mean RGB of the centred square of side `side`. */
export function centreMean(p: Pixels, side: number): [number, number, number] {
  const x0 = Math.floor((p.width - side) / 2);
  const y0 = Math.floor((p.height - side) / 2);
  const sum = [0, 0, 0];
  for (let y = y0; y < y0 + side; y++) {
    for (let x = x0; x < x0 + side; x++) {
      const i = (y * p.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (p.data[i + c] ?? 0);
    }
  }
  return sum.map((s) => s / (side * side)) as [number, number, number];
}

/** The most common loosely-normalised answer and how many of the answers give it. */
export function majority(answers: readonly VizWizAnswer[]): { answer: string; votes: number } {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = normaliseLoosely(a.answer);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best = { answer: '', votes: 0 };
  for (const [answer, votes] of counts) if (votes > best.votes) best = { answer, votes };
  return best;
}

/** Reads every entry of a zip file: name -> contents. */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        zip
          .openReadStreamPromise(entry)
          .then(async (stream) => {
            const chunks: Buffer[] = [];
            for await (const chunk of stream) chunks.push(chunk as Buffer);
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          })
          .catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return entries;
}
