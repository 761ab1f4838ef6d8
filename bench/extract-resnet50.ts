/**
 * ResNet-50 feature-extraction benchmark: real-size ResNet-50 (random weights from the parameter manifest in
 * test/fixtures/manifests/resnet50.json), synthetic JPEGs made with sharp, and per batch: JPEG decoding (sharp, on
 * libuv's pool, overlapped with the previous batch's inference) + ImageNet preprocessing (Pillow-exact bilinear
 * resize, crop, normalise) + inference to the pooled 2048-d features. Against the same network as a plain PyTorch
 * module (bench/extract_resnet50_peer.py) on the same machine and thread count, decoding included when the peer's
 * python can import Pillow (else the peer decodes outside its timing, as it says in its output).
 * `npm run bench -- extract-resnet50 [--images 64] [--batch 8,16] [--threads 2] [--size 640x480]
 *   [--weights-as initializers|inputs] [--no-fold] [--no-peer] [--rounds 3]`
 * Ours and the peer alternate for `--rounds` rounds and the best round of each counts (the machine may be shared);
 * `ratio_round_median` is the median over rounds of ours / peer within a round, which a load change between rounds
 * skews less than the ratio of two bests.
 * The peer runs with our weights on the same JPEGs and reports the largest difference between its features and ours.
 * Roofline: each round also measures ORT's float32 GEMM peak (_gemm-peak.ts) right before and after, and each side's
 * inference alone is reported in GFLOP/s (8.17 GFLOP per 224 x 224 image, _resnet-flops.ts) and as the median over rounds
 * of its fraction of that round's peak: how far from the machine's float32 limit each engine runs.
 * Human-readable lines on stderr; the final JSON line on stdout.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Rng } from '../src/random/rng.js';
import type { RgbImage } from '../src/images/rgb.js';
import { createResnetEncoder, type ResnetEncoder } from '../src/models/resnet/encoder.js';
import { manifestShapes, randomResnetWeights, type ShapeManifest } from '../src/models/resnet/random.js';
import { resnetStateShapes, RESNET50 } from '../src/models/resnet/config.js';
import { decodeJpeg, findPython, root, round, syntheticJpegs } from './_common.js';
import { gemmPeak } from './_gemm-peak.js';
import { resnetFlops } from './_resnet-flops.js';

interface Options {
  images: number;
  batches: number[];
  threads: number;
  width: number;
  height: number;
  weightsAs: 'initializers' | 'inputs';
  fold: boolean;
  peer: boolean;
  rounds: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { images: 64, batches: [8, 16], threads: 2, width: 640, height: 480, weightsAs: 'initializers', fold: true, peer: true, rounds: 3 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--images') o.images = Number(next());
    else if (a === '--batch') o.batches = next().split(',').map(Number);
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--size') [o.width, o.height] = next().split('x').map(Number) as [number, number];
    else if (a === '--weights-as') o.weightsAs = next() === 'inputs' ? 'inputs' : 'initializers';
    else if (a === '--no-fold') o.fold = false;
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--rounds') o.rounds = Math.max(1, Number(next()));
    else throw new Error(`extract-resnet50 bench: unknown argument ${a}`);
  }
  return o;
}

interface Timing {
  seconds: number;
  decodeMs: number;
  preprocessMs: number;
  inferMs: number;
  features: Float32Array;
}

/** Decodes, preprocesses and encodes every image in batches; decoding of batch k+1 runs during inference of batch k. */
async function extract(encoder: ResnetEncoder, jpegs: readonly Buffer[], batch: number): Promise<Timing> {
  const features = new Float32Array(jpegs.length * encoder.imageDim);
  const pixels = [new Float32Array(batch * encoder.pixelsPerImage), new Float32Array(batch * encoder.pixelsPerImage)];
  let decodeMs = 0;
  let preprocessMs = 0;
  let inferMs = 0;
  const startDecode = (from: number): Promise<{ images: RgbImage[]; ms: number }> => {
    const t0 = performance.now();
    return Promise.all(jpegs.slice(from, from + batch).map((j) => decodeJpeg(j))).then((images) => ({ images, ms: performance.now() - t0 }));
  };
  const t0 = performance.now();
  let pending = startDecode(0);
  for (let from = 0, k = 0; from < jpegs.length; from += batch, k++) {
    const { images } = await pending;
    const tDecoded = performance.now();
    pending = from + batch < jpegs.length ? startDecode(from + batch) : Promise.resolve({ images: [], ms: 0 });
    const buf = pixels[k % 2] as Float32Array;
    images.forEach((img, i) => encoder.preprocess(img, buf.subarray(i * encoder.pixelsPerImage, (i + 1) * encoder.pixelsPerImage)));
    const tPre = performance.now();
    const f = await encoder.encodeImages(buf, images.length);
    const tInf = performance.now();
    features.set(f, from * encoder.imageDim);
    preprocessMs += tPre - tDecoded;
    inferMs += tInf - tPre;
  }
  const seconds = (performance.now() - t0) / 1000;
  decodeMs = seconds * 1000 - preprocessMs - inferMs; // decode time not hidden behind inference
  return { seconds, decodeMs, preprocessMs, inferMs, features };
}

interface PeerResult {
  torch: string;
  img_s: number;
  infer_img_s: number;
  decode: string;
  peak_rss_mb: number;
  max_abs_diff?: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A temp folder with the JPEGs and our weights (state-dict tensors back to back, with their names) for the peer. */
function preparePeerDir(jpegs: readonly Buffer[], weights: ReadonlyMap<string, Float32Array>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'resnet-peer-'));
  jpegs.forEach((j, i) => writeFileSync(path.join(dir, `img${String(i).padStart(4, '0')}.jpg`), j));
  const names = [...resnetStateShapes(RESNET50).keys()];
  const flat = new Float32Array(names.reduce((a, n) => a + (weights.get(n) as Float32Array).length, 0));
  let off = 0;
  for (const n of names) {
    const t = weights.get(n) as Float32Array;
    flat.set(t, off);
    off += t.length;
  }
  writeFileSync(path.join(dir, 'weights.f32'), flat);
  writeFileSync(path.join(dir, 'names.json'), JSON.stringify(names));
  return dir;
}

/** Runs the PyTorch peer on `dir` with our weights; it also reports the largest difference to our features. */
async function runPeer(py: string, dir: string, jpegs: readonly Buffer[], batch: number, threads: number, ours: Float32Array): Promise<PeerResult | null> {
  writeFileSync(path.join(dir, 'ours.f32'), ours);
  const args = [path.join(root, 'bench', 'extract_resnet50_peer.py'), '--dir', dir, '--batch', String(batch), '--threads', String(threads)];
  args.push('--weights', path.join(dir, 'weights.f32'), '--names', path.join(dir, 'names.json'), '--compare', path.join(dir, 'ours.f32'));
  const spawn = (): ReturnType<typeof spawnSync> =>
    spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, maxBuffer: 1 << 26 });
  let r = spawn();
  if (r.status === 3) {
    // The peer's python has no Pillow: give it decoded RGB, which it then reads before its timing.
    for (const [i, j] of jpegs.entries()) {
      const img = await decodeJpeg(j);
      const base = path.join(dir, `img${String(i).padStart(4, '0')}`);
      writeFileSync(`${base}.rgb`, img.data);
      writeFileSync(`${base}.json`, JSON.stringify({ width: img.width, height: img.height }));
    }
    r = spawn();
  }
  const [stdout, stderr] = [String(r.stdout), String(r.stderr)];
  if (stderr.trim())
    console.error(
      stderr
        .trim()
        .split('\n')
        .map((l) => `  peer: ${l}`)
        .join('\n'),
    );
  const line = stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) return null;
  return JSON.parse(line) as PeerResult;
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  console.error(
    `extract-resnet50: ${o.images} synthetic ${o.width}x${o.height} JPEGs, batches ${o.batches.join(',')}, ${o.threads} threads, ` +
      `weights as ${o.weightsAs}${o.fold ? ', BatchNorm folded' : ''}, best of ${o.rounds} rounds (ours and the peer alternate)`,
  );
  const manifest = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'manifests', 'resnet50.json'), 'utf8')) as ShapeManifest;
  const weights = randomResnetWeights(manifestShapes(manifest), 0);
  const jpegs = await syntheticJpegs(o.images, [[o.width, o.height]]);
  const py = o.peer ? findPython() : null;
  if (o.peer && !py) console.error('no python with torch found (.venv/bin/python, python3): peer fields are null');
  const dir = py ? preparePeerDir(jpegs, weights) : null;
  let best: { batch: number; imgS: number } | null = null;
  let peerBest: PeerResult | null = null;
  let maxDiff = 0;
  const perBatch: Record<string, unknown>[] = [];
  const allRatios: number[] = [];
  try {
    for (const batch of o.batches) {
      const tCreate = performance.now();
      const encoder = await createResnetEncoder(weights, { threads: o.threads, batchSize: batch, weightsAs: o.weightsAs, foldBn: o.fold });
      const createS = (performance.now() - tCreate) / 1000;
      const gflopsPerImage = resnetFlops(RESNET50, Math.round(Math.sqrt(encoder.pixelsPerImage / 3))) / 1e9;
      await extract(encoder, jpegs.slice(0, batch), batch); // warm-up
      let ours: Timing | null = null;
      let peer: PeerResult | null = null;
      const ratios: number[] = []; // ours / peer within each round: robust to load that changes between rounds
      const fractions: { ours: number; peer: number | null }[] = []; // of the round's GEMM peak, inference alone
      let peakMax = 0;
      for (let r = 0; r < o.rounds; r++) {
        const peakBefore = await gemmPeak(o.threads);
        const t = await extract(encoder, jpegs, batch);
        if (!ours || t.seconds < ours.seconds) ours = t;
        const p = py && dir ? await runPeer(py, dir, jpegs, batch, o.threads, t.features) : null;
        if (p && (!peer || p.img_s > peer.img_s)) peer = p;
        if (p) ratios.push(o.images / t.seconds / p.img_s);
        if (p?.max_abs_diff !== undefined) maxDiff = Math.max(maxDiff, p.max_abs_diff);
        const peak = Math.max(peakBefore, await gemmPeak(o.threads));
        peakMax = Math.max(peakMax, peak);
        const oursGflops = (o.images / (t.inferMs / 1000)) * gflopsPerImage;
        const peerGflops = p ? p.infer_img_s * gflopsPerImage : null;
        fractions.push({ ours: oursGflops / peak, peer: peerGflops === null ? null : peerGflops / peak });
        console.error(
          `  batch ${batch} round ${r + 1}: ours ${(o.images / t.seconds).toFixed(2)} img/s${p ? `, pytorch ${p.img_s.toFixed(2)} img/s` : ''}; ` +
            `inference alone ours ${oursGflops.toFixed(1)}${peerGflops === null ? '' : `, pytorch ${peerGflops.toFixed(1)}`} GFLOP/s, GEMM peak ${peak.toFixed(1)}`,
        );
      }
      await encoder.dispose();
      const t = ours as Timing;
      const imgS = o.images / t.seconds;
      const per = (ms: number): string => (ms / o.images).toFixed(1);
      console.error(
        `ours batch ${batch}: ${imgS.toFixed(2)} img/s (session ${createS.toFixed(1)} s; per image: inference ${per(t.inferMs)} ms, ` +
          `preprocess ${per(t.preprocessMs)} ms, waiting for decoding ${per(t.decodeMs)} ms)`,
      );
      const inferImgS = o.images / (t.inferMs / 1000);
      if (peer) {
        console.error(
          `pytorch ${peer.torch} batch ${batch}: ${peer.img_s.toFixed(2)} img/s (decode: ${peer.decode}); ratio ${(imgS / peer.img_s).toFixed(2)}; ` +
            `inference alone: ours ${inferImgS.toFixed(2)}, pytorch ${peer.infer_img_s.toFixed(2)} img/s, ratio ${(inferImgS / peer.infer_img_s).toFixed(2)}`,
        );
      }
      perBatch.push({
        batch,
        ours_img_s: round(imgS),
        peer_img_s: peer ? round(peer.img_s) : null,
        ours_infer_img_s: round(inferImgS),
        peer_infer_img_s: peer ? round(peer.infer_img_s) : null,
        round_ratios: ratios.map((x) => round(x)),
        ratio_round_median: ratios.length ? round(median(ratios)) : null,
        ours_infer_gflops: round(inferImgS * gflopsPerImage, 1),
        peer_infer_gflops: peer ? round(peer.infer_img_s * gflopsPerImage, 1) : null,
        gemm_peak_gflops: round(peakMax, 1),
        ours_infer_peak_fraction: round(median(fractions.map((f) => f.ours)), 3),
        peer_infer_peak_fraction: peer ? round(median(fractions.flatMap((f) => (f.peer === null ? [] : [f.peer]))), 3) : null,
      });
      allRatios.push(...ratios);
      if (!best || imgS > best.imgS) best = { batch, imgS };
      if (peer && (!peerBest || peer.img_s > peerBest.img_s)) peerBest = peer;
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (peerBest) console.error(`largest |feature difference| ours vs pytorch (same weights, same JPEGs): ${maxDiff.toExponential(2)}`);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      name: 'extract-resnet50',
      ours_img_s: best ? round(best.imgS) : null,
      peer: peerBest ? `pytorch ${peerBest.torch}` : null,
      peer_img_s: peerBest ? round(peerBest.img_s) : null,
      peak_rss_mb: Math.round(rss),
      peer_peak_rss_mb: peerBest ? Math.round(peerBest.peak_rss_mb) : null,
      ratio: best && peerBest ? round(best.imgS / peerBest.img_s) : null,
      ratio_round_median: allRatios.length ? round(median(allRatios)) : null,
      max_abs_feature_diff: peerBest ? maxDiff : null,
      peer_decode: peerBest ? peerBest.decode : null,
      per_batch: perBatch,
      images: o.images,
      image_size: `${o.width}x${o.height}`,
      threads: o.threads,
      rounds: o.rounds,
      weights_as: o.weightsAs,
      folded_bn: o.fold,
    }),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
