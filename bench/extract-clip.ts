/**
 * CLIP feature-extraction benchmark: real-size CLIP ViT-L/14@336 (vision tower + projection, and the text tower +
 * projection for the questions) with seeded random weights from the parameter manifest
 * (test/fixtures/manifests/clip-vit-large-patch14-336.json), on synthetic photo-like JPEGs made with sharp. Per batch:
 * JPEG decoding (sharp) + CLIP preprocessing (Pillow-exact bicubic, crop, normalise) + image embeddings + question
 * embeddings, all timed. The questions go through the tokenizer fixture (test/fixtures/clip/tokenizer, a few merges, so
 * questions take more tokens than with CLIP's real 49,408-token vocabulary: a pessimistic text cost).
 * Peer: the same network as plain PyTorch modules (bench/extract_clip_peer.py, eager and sdpa attention; the faster is
 * reported), same thread count, same batch size, on pre-made tensors (no decoding: Pillow is not required there).
 * `npm run bench -- extract-clip [--images 4] [--batch 2] [--threads 2] [--layers 24] [--no-text] [--no-peer]
 *   [--peer-attn eager,sdpa] [--check]`
 * --check gives the peer our weights and inputs and reports the largest embedding differences (use --layers 2).
 * Human-readable lines on stderr; the final JSON line on stdout.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Rng } from '../src/random/rng.js';
import type { ImageTextEncoder } from '../src/models/encoder.js';
import type { RgbImage } from '../src/images/rgb.js';
import { createClipEncoder } from '../src/models/clip/encoder.js';
import { clipModelParams } from '../src/models/clip/model.js';
import { ClipTokenizer } from '../src/models/clip/tokenizer.js';
import { randomClipWeights, readManifest, type ParamManifest } from '../src/models/clip/weights.js';
import { decodeJpeg, findPython, root, syntheticJpegs } from './_common.js';

interface Options {
  images: number;
  batch: number;
  threads: number;
  layers: number;
  text: boolean;
  peer: boolean;
  peerAttn: string;
  check: boolean;
}

function parseArgs(args: string[]): Options {
  const o: Options = { images: 4, batch: 2, threads: 2, layers: 24, text: true, peer: true, peerAttn: 'eager,sdpa', check: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--images') o.images = Number(next());
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--layers') o.layers = Number(next());
    else if (a === '--no-text') o.text = false;
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--peer-attn') o.peerAttn = next();
    else if (a === '--check') o.check = true;
    else throw new Error(`extract-clip bench: unknown argument ${a}`);
  }
  if (o.images % o.batch !== 0) throw new Error(`extract-clip bench: --images ${o.images} is not a multiple of --batch ${o.batch}`);
  return o;
}

/** The manifest with only the first `layers` vision layers (a quicker, shallower ViT-L/14@336). */
function withVisionLayers(m: ParamManifest, layers: number): ParamManifest {
  const config = m.config as { vision_config: Record<string, unknown> };
  const keep = ([name]: [string, number[]]): boolean => {
    const hit = /^vision_model\.encoder\.layers\.(\d+)\./.exec(name);
    return !hit || Number(hit[1]) < layers;
  };
  return {
    ...m,
    parameters: Object.fromEntries(Object.entries(m.parameters).filter(keep)),
    config: { ...config, vision_config: { ...config.vision_config, num_hidden_layers: layers } },
  };
}

const SIZES: readonly [number, number][] = [
  [640, 480],
  [480, 640],
  [1024, 768],
  [768, 1024],
];
const QUESTIONS = [
  'What is this?',
  'What color is this shirt?',
  'Can you tell me what this is, please?',
  'Is the bottle open or closed, and what does the label say?',
];

interface Timing {
  seconds: number;
  decodeMs: number;
  preprocessMs: number;
  imageMs: number;
  textMs: number;
  pixels: Float32Array;
  image: Float32Array;
  text: Float32Array;
}

async function extract(enc: ImageTextEncoder, jpegs: readonly Buffer[], questions: readonly string[], batch: number, text: boolean): Promise<Timing> {
  const t: Timing = {
    seconds: 0,
    decodeMs: 0,
    preprocessMs: 0,
    imageMs: 0,
    textMs: 0,
    pixels: new Float32Array(jpegs.length * enc.pixelsPerImage),
    image: new Float32Array(jpegs.length * enc.imageDim),
    text: new Float32Array(jpegs.length * (enc.textDim ?? 0)),
  };
  const t0 = performance.now();
  for (let from = 0; from < jpegs.length; from += batch) {
    const n = Math.min(batch, jpegs.length - from);
    const ta = performance.now();
    const images = await Promise.all(jpegs.slice(from, from + n).map((j) => decodeJpeg(j)));
    const tb = performance.now();
    const pixels = t.pixels.subarray(from * enc.pixelsPerImage, (from + n) * enc.pixelsPerImage);
    images.forEach((img, i) => enc.preprocess(img, pixels.subarray(i * enc.pixelsPerImage, (i + 1) * enc.pixelsPerImage)));
    const tc = performance.now();
    t.image.set(await enc.encodeImages(pixels, n), from * enc.imageDim);
    const td = performance.now();
    if (text && enc.encodeTexts) t.text.set(await enc.encodeTexts(questions.slice(from, from + n)), from * (enc.textDim ?? 0));
    const te = performance.now();
    t.decodeMs += tb - ta;
    t.preprocessMs += tc - tb;
    t.imageMs += td - tc;
    t.textMs += te - td;
  }
  t.seconds = (performance.now() - t0) / 1000;
  return t;
}

interface PeerResult {
  torch: string;
  img_s: Record<string, number>;
  vision_img_s: Record<string, number>;
  text_s: Record<string, number>;
  peak_rss_mb: number;
  max_abs_diff_image?: number;
  max_abs_diff_text?: number;
}

interface CheckData {
  weights: Map<string, Float32Array>;
  names: [string, number[]][];
  timing: Timing;
  ids: BigInt64Array;
  mask: BigInt64Array;
}

function runPeer(py: string, o: Options, textLen: number, check: CheckData | null): PeerResult | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'clip-peer-'));
  try {
    const args = [
      path.join(root, 'bench', 'extract_clip_peer.py'),
      '--images',
      o.images,
      '--batch',
      o.batch,
      '--threads',
      o.threads,
      '--text-len',
      textLen,
      '--layers',
      o.layers,
      '--attn',
      o.peerAttn,
    ].map(String);
    if (check) {
      const total = check.names.reduce((a, [n]) => a + (check.weights.get(n) as Float32Array).length, 0);
      const flat = new Float32Array(total);
      let off = 0;
      for (const [n] of check.names) {
        flat.set(check.weights.get(n) as Float32Array, off);
        off += (check.weights.get(n) as Float32Array).length;
      }
      writeFileSync(path.join(dir, 'weights.f32'), flat);
      writeFileSync(path.join(dir, 'names.json'), JSON.stringify(check.names));
      writeFileSync(path.join(dir, 'pixels.f32'), check.timing.pixels);
      writeFileSync(path.join(dir, 'ids.i64'), check.ids);
      writeFileSync(path.join(dir, 'mask.i64'), check.mask);
      writeFileSync(path.join(dir, 'ours_image.f32'), check.timing.image);
      writeFileSync(path.join(dir, 'ours_text.f32'), check.timing.text);
      writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify({ images: o.images, texts: o.images }));
      args.push('--check', dir);
    }
    const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(o.threads) }, maxBuffer: 1 << 26 });
    if (r.stderr.trim())
      console.error(
        r.stderr
          .trim()
          .split('\n')
          .map((l) => `  peer: ${l}`)
          .join('\n'),
      );
    const line = r.stdout.trim().split('\n').pop();
    if (r.status !== 0 || !line) return null;
    return JSON.parse(line) as PeerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const full = await readManifest(path.join(root, 'test', 'fixtures', 'manifests', 'clip-vit-large-patch14-336.json'));
  const manifest = o.layers === 24 ? full : withVisionLayers(full, o.layers);
  console.error(
    `extract-clip: CLIP ViT-L/14@336 (${o.layers} vision layers${o.text ? ' + text tower' : ''}), ${o.images} synthetic JPEGs, batch ${o.batch}, ${o.threads} threads`,
  );
  let t0 = performance.now();
  const { config, weights } = randomClipWeights(manifest, 0);
  console.error(`random weights: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const tokenizer = o.text ? await ClipTokenizer.fromFolder(path.join(root, 'test', 'fixtures', 'clip', 'tokenizer')) : null;
  const jpegs = await syntheticJpegs(o.images, SIZES);
  const questions = jpegs.map((_, i) => QUESTIONS[i % QUESTIONS.length] as string);
  t0 = performance.now();
  const enc = await createClipEncoder(weights, tokenizer, config, { threads: o.threads, imageBatch: o.batch, textBatch: o.batch, id: 'clip-vit-l14-336' });
  console.error(`sessions: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await extract(enc, jpegs.slice(0, o.batch), questions, o.batch, o.text); // warm-up
  const t = await extract(enc, jpegs, questions, o.batch, o.text);
  await enc.dispose();
  const rss = process.resourceUsage().maxRSS / 1024;
  const oursImgS = o.images / t.seconds;
  const inferImgS = o.images / ((t.imageMs + t.textMs) / 1000);
  console.error(
    `ours: ${oursImgS.toFixed(3)} img/s end to end (${t.seconds.toFixed(2)} s: decode ${t.decodeMs.toFixed(0)} ms, preprocess ${t.preprocessMs.toFixed(0)} ms, ` +
      `vision ${t.imageMs.toFixed(0)} ms, text ${t.textMs.toFixed(0)} ms); inference only ${inferImgS.toFixed(3)} img/s; peak RSS ${rss.toFixed(0)} MB`,
  );

  let textLen = 16;
  let ids: BigInt64Array = new BigInt64Array(0);
  let mask: BigInt64Array = new BigInt64Array(0);
  if (tokenizer) {
    const b = tokenizer.encodeBatch(questions);
    [ids, mask] = [b.inputIds, b.attentionMask];
    textLen = b.length;
  }
  const py = o.peer ? findPython('torch, numpy') : null;
  if (o.peer && !py) console.error('no python with torch and numpy found (.venv/bin/python, python3): peer fields are null');
  const check: CheckData | null = o.check && py ? { weights, names: clipModelParams(config).map((s) => [s.name, [...s.shape]]), timing: t, ids, mask } : null;
  if (check && !o.text) throw new Error('--check needs the text tower (drop --no-text)');
  const peer = py ? runPeer(py, o, textLen, check) : null;
  let peerImgS: number | null = null;
  let peerVariant = '';
  if (peer) {
    for (const [variant, v] of Object.entries(o.text ? peer.img_s : peer.vision_img_s)) {
      if (peerImgS === null || v > peerImgS) [peerImgS, peerVariant] = [v, variant];
    }
    console.error(
      `pytorch ${peer.torch}: ${Object.entries(peer.img_s)
        .map(([k, v]) => `${k} ${v.toFixed(3)} img/s (vision alone ${(peer.vision_img_s[k] ?? 0).toFixed(3)})`)
        .join(', ')}; ` + `peak RSS ${peer.peak_rss_mb} MB; ours / best = ${peerImgS ? (oursImgS / peerImgS).toFixed(2) : '-'}x end to end`,
    );
    if (peer.max_abs_diff_image !== undefined)
      console.error(
        `check: max |ours - pytorch| image embeds ${peer.max_abs_diff_image.toExponential(2)}, text embeds ${peer.max_abs_diff_text?.toExponential(2)}`,
      );
  }
  console.log(
    JSON.stringify({
      name: 'extract-clip',
      ours_img_s: round(oursImgS),
      peer: peer ? `pytorch ${peer.torch}` : null,
      peer_img_s: peerImgS === null ? null : round(peerImgS),
      peak_rss_mb: Math.round(rss),
      ours_inference_img_s: round(inferImgS),
      peer_attention: peer ? peerVariant : null,
      peer_peak_rss_mb: peer ? peer.peak_rss_mb : null,
      ...(peer?.max_abs_diff_image !== undefined ? { max_abs_diff_image: peer.max_abs_diff_image, max_abs_diff_text: peer.max_abs_diff_text } : {}),
      images: o.images,
      batch: o.batch,
      threads: o.threads,
      vision_layers: o.layers,
      text: o.text,
    }),
  );
}
