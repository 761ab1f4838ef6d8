/**
 * What `bench gpu` (bench/gpu.ts) and its part processes share: the shapes every part and the PyTorch peer measure,
 * where the fixtures are, and the line protocol. A part prints JSON lines on stdout - a measurement
 * `{"metric": NAME, "value": x, ...details}` that the parent pairs with the peer's, a finished line (`{"name": ...}`) that
 * the parent passes through, or `{"error": ...}` - and progress on stderr. Each number is printed as soon as it is
 * measured (stdout writes to a pipe are synchronous on Linux), so a part killed at its time budget still reports what it
 * finished.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { root } from './_common.js';

/** The parts, in the order they run: the most wanted numbers first, so a short deadline drops the least wanted. */
export const PARTS = ['probe', 'goldens', 'paligemma-train', 'peer-paligemma', 'clip', 'peer-clip', 'paligemma-decode'] as const;
export type PartName = (typeof PARTS)[number];

/** Default seconds per part at the real size (caps, not estimates); --budget part=s overrides. */
export const BUDGET_S: Readonly<Record<PartName, number>> = {
  probe: 30,
  goldens: 80,
  'paligemma-train': 200, // 2.92e9 random parameters, an 11.7 GB initializer file, session, 2-4 steps at batch 8
  'peer-paligemma': 90,
  clip: 60,
  'peer-clip': 45,
  'paligemma-decode': 120, // three sessions over the same weights
};

export interface Shapes {
  /** A PaliGemma config.json, or a parameter manifest whose `config` is one. */
  paligemmaConfig: string;
  trainBatch: number;
  /** Prompt text tokens between bos and "\n"; the prompt is image tokens + bos + text + "\n". */
  text: number;
  /** Answer tokens (eos included) of each training row. */
  answer: number;
  loraR: number;
  /** Greedy tokens generated at batch 1 (the first comes from the prefill, the rest are decode steps). */
  newTokens: number;
  /** A CLIP config.json (CLIPModel or CLIPVisionModelWithProjection), or a manifest whose `config` is one. */
  clipConfig: string;
  clipImages: number;
  clipBatch: number;
}

/** The test fixtures: `--fixtures`, else $VIZWIZ_REPO/test/fixtures (set by scripts/device-run.sh), else this checkout's. */
export function fixturesDir(flag?: string): string {
  return flag ?? path.join(process.env.VIZWIZ_REPO ?? root, 'test', 'fixtures');
}

/** Real size: PaliGemma-3B-pt-224 and CLIP ViT-L/14@336 from the parameter manifests; tiny: the golden fixtures' configs. */
export function shapesFor(tiny: boolean, fixtures: string): Shapes {
  return tiny
    ? {
        paligemmaConfig: path.join(fixtures, 'paligemma', 'config.json'),
        trainBatch: 8,
        text: 6,
        answer: 2,
        loraR: 8,
        newTokens: 6,
        clipConfig: path.join(fixtures, 'clip_vision_with_projection', 'config.json'),
        clipImages: 8,
        clipBatch: 4,
      }
    : {
        paligemmaConfig: path.join(fixtures, 'manifests', 'paligemma-3b-pt-224.json'),
        trainBatch: 8,
        text: 12,
        answer: 2,
        loraR: 8,
        newTokens: 16,
        clipConfig: path.join(fixtures, 'manifests', 'clip-vit-large-patch14-336.json'),
        clipImages: 64,
        clipBatch: 16,
      };
}

/** The model config of a config.json or of a manifest (`{"config": ...}`). */
export function readModelConfig(file: string): unknown {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { config?: unknown; parameters?: unknown };
  return raw.parameters !== undefined && raw.config !== undefined ? raw.config : raw;
}

/**
 * One prompt row: Np image tokens, bos (2), `text` ids, "\n" (108), then `answer` ids whose last is eos (1). Text and
 * answer ids are drawn below min(vocab, 1000) and never equal the image token (the tiny fixtures' image token, 256,
 * lies inside that range). bench/gpu_peer.py builds the same rows.
 */
export function exampleIds(imageId: number, numImage: number, text: number, answer: number, vocab: number): number[] {
  const cap = Math.max(8, Math.min(1000, vocab)) - 4;
  const id = (k: number): number => {
    const x = 3 + (k % cap);
    return x === imageId ? x + 1 : x;
  };
  const body = Array.from({ length: text }, (_, i) => id(i * 7919));
  const ans = answer > 0 ? [...Array.from({ length: answer - 1 }, (_, i) => id(200 + i)), 1] : [];
  return [...new Array<number>(numImage).fill(imageId), 2, ...body, 108, ...ans];
}

export const log = (s: string): void => void process.stderr.write(`${s}\n`);

export function emit(line: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function metric(name: string, value: number, details: Readonly<Record<string, unknown>> = {}): void {
  emit({ metric: name, value, ...details });
}

/** One line of an error: the message (with its code when the library gave one), never a stack. */
export function errorText(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? `${e.code}: ` : '';
  const message = e instanceof Error ? e.message : String(e);
  return `${code}${message}`.replace(/\s+/g, ' ').trim().slice(0, 600);
}

export async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

/** Rounds to 4 significant digits for the JSON lines (null stays null). */
export function sig(x: number | null | undefined, digits = 4): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  return Number(x.toPrecision(digits));
}
