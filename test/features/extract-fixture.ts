/**
 * Fixtures for the extraction tests: a folder of small generated images with questions, and encoder wrappers that
 * count calls, fail after k batches, slow down, or record the order of events.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { VizWizQuestion } from '../../src/data/types.js';
import type { ImageTextEncoder } from '../../src/models/encoder.js';
import { makeQuestions } from './extract-questions.js';

/** `rows` images (varied sizes and colours, some PNG) in a fresh folder, with one question each. */
export async function makeImageFolder(rows: number): Promise<{ dir: string; questions: VizWizQuestion[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-extract-'));
  const questions = makeQuestions(rows);
  for (let i = 0; i < rows; i++) {
    const png = i % 5 === 0;
    const image = questions[i]!.image;
    const base = sharp({
      create: { width: 24 + (i % 7) * 5, height: 20 + (i % 3) * 9, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } },
    });
    await writeFile(join(dir, image), png ? await base.png().toBuffer() : await base.jpeg().toBuffer());
  }
  return { dir, questions };
}

export interface CountingEncoder extends ImageTextEncoder {
  imageCalls: number;
  textCalls: number;
}

export interface WrapOptions {
  /** Throw on this (1-based) encodeImages call. */
  failOnCall?: number;
  /** Milliseconds each encodeImages call takes. */
  delayMs?: number;
  events?: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function wrapEncoder(inner: ImageTextEncoder, options: WrapOptions = {}): CountingEncoder {
  const wrapped: CountingEncoder = {
    id: inner.id,
    imageDim: inner.imageDim,
    textDim: inner.textDim,
    pixelsPerImage: inner.pixelsPerImage,
    ...(inner.metadata ? { metadata: inner.metadata } : {}),
    imageCalls: 0,
    textCalls: 0,
    async preprocess(image, out) {
      options.events?.push('pre');
      await inner.preprocess(image, out);
    },
    async encodeImages(pixels, count) {
      wrapped.imageCalls++;
      if (wrapped.imageCalls === options.failOnCall) throw new Error(`interrupted at call ${wrapped.imageCalls}`);
      options.events?.push(`enc-start ${wrapped.imageCalls}`);
      if (options.delayMs) await sleep(options.delayMs);
      const result = await inner.encodeImages(pixels, count);
      options.events?.push(`enc-end ${wrapped.imageCalls}`);
      return result;
    },
    async encodeTexts(texts) {
      wrapped.textCalls++;
      return inner.encodeTexts!(texts);
    },
    dispose: () => inner.dispose(),
  };
  return wrapped;
}
