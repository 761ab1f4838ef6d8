/**
 * Heads benchmark: one epoch of the clip-linear head at VizWiz size (20,523 rows of 768 + 768 CLIP features ->
 * 512 -> 5,726 answers, 4 answer types, answerability branch of 512) on synthetic features, at batch 32 and 256,
 * with the multi-step training graph (forward + backward + Adam, S steps per session.run), against the same model in PyTorch
 * (bench/heads_peer.py) on the same machine, same thread count. Also measures the machine's GEMM peak in ORT (one
 * big MatMul, before and after each epoch) and reports the fraction of it that an epoch reaches.
 * `npm run bench -- heads [--batch 32,256] [--threads 2] [--rows 20523] [--no-peer] [--rounds 1]`
 * Human-readable lines go to stderr; one final JSON line per batch size to stdout.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../src/engine/tensor.js';
import { initParams } from '../src/engine/init.js';
import { adam } from '../src/engine/optim.js';
import { Rng } from '../src/random/rng.js';
import { TrainSession } from '../src/engine/train-session.js';
import { buildTrainLoop } from '../src/engine/train-loop.js';
import { clipLinearHead, clipLinearLoss, CLIP_LINEAR_DEFAULTS, type ClipLinearConfig } from '../src/models/heads/clip-linear.js';
import { findPython, root, round } from './_common.js';
import { gemmPeak } from './_gemm-peak.js';
import { stepsPerRun } from '../src/train/steps-per-run.js';

interface Options {
  batches: number[];
  threads: number;
  rows: number;
  peer: boolean;
  rounds: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { batches: [32, 256], threads: 2, rows: 20523, peer: true, rounds: 1 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--batch') o.batches = next().split(',').map(Number);
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--rows') o.rows = Number(next());
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--rounds') o.rounds = Math.max(1, Number(next()));
    else throw new Error(`heads bench: unknown argument ${a}`);
  }
  return o;
}

/** Multiply-adds per training row: forward, weight gradients, and the activation gradients actually needed. */
function macsPerRow(c: ClipLinearConfig): number {
  const d = c.imageDim + c.textDim;
  const { hidden: h, numAnswers: k, numTypes: t, answerableHidden: a } = c;
  const forward = d * h + h * k + h * t + t * k + d * a + a;
  // Every Linear needs its input's gradient: the features need none, but fc1 and answerable_fc1 read LayerNorm outputs
  // whose weight and bias train, so their dX is computed too (the profile, bench/heads-profile.ts, shows those Gemms).
  const inputGrads = d * h + h * k + t * k + h * t + d * a + a;
  return 2 * forward + inputGrads;
}

export interface Data {
  image: Float32Array; // (N, Di)
  text: Float32Array; // (N, Dt)
  answer: BigInt64Array; // (N)
  type: BigInt64Array; // (N)
  answerable: Float32Array; // (N)
}

export function synthetic(rows: number, c: ClipLinearConfig): Data {
  const rng = new Rng(7);
  const image = new Float32Array(rows * c.imageDim);
  const text = new Float32Array(rows * c.textDim);
  for (let i = 0; i < image.length; i++) image[i] = rng.normal();
  for (let i = 0; i < text.length; i++) text[i] = rng.normal();
  return {
    image,
    text,
    answer: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(c.numAnswers))),
    type: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(c.numTypes))),
    answerable: Float32Array.from({ length: rows }, () => rng.int(2)),
  };
}

/** Copies the rows `order[start..start+s*b)` into fresh tensors stacked as (s, b, ..): s steps of b rows. */
export function gatherSteps(d: Data, c: ClipLinearConfig, order: Int32Array, start: number, s: number, b: number): Record<string, Tensor> {
  const n = s * b;
  const image = new Float32Array(n * c.imageDim);
  const text = new Float32Array(n * c.textDim);
  const answer = new BigInt64Array(n);
  const type = new BigInt64Array(n);
  const answerable = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = order[start + i] as number;
    image.set(d.image.subarray(r * c.imageDim, (r + 1) * c.imageDim), i * c.imageDim);
    text.set(d.text.subarray(r * c.textDim, (r + 1) * c.textDim), i * c.textDim);
    answer[i] = d.answer[r] as bigint;
    type[i] = d.type[r] as bigint;
    answerable[i] = d.answerable[r] as number;
  }
  return {
    image_feat: Tensor.f32(image, [s, b, c.imageDim]),
    text_feat: Tensor.f32(text, [s, b, c.textDim]),
    answer_label: Tensor.i64(answer, [s, b]),
    type_label: Tensor.i64(type, [s, b]),
    answerable: Tensor.f32(answerable, [s, b]),
  };
}

async function oursEpoch(
  d: Data,
  c: ClipLinearConfig,
  rows: number,
  batch: number,
  threads: number,
): Promise<{ seconds: number; loss: number; perRun: number }> {
  const graph = buildTrainLoop(clipLinearHead(c), clipLinearLoss(c), adam());
  const session = await TrainSession.create(graph, initParams(graph.params, 0), { threads, seed: 1 });
  const rng = new Rng(3);
  const perRun = stepsPerRun(batch);
  const lrs = new Array<number>(perRun).fill(5e-3);
  await session.steps(gatherSteps(d, c, rng.permutation(rows), 0, perRun, batch), lrs); // warm-up
  const order = rng.permutation(rows);
  let loss = NaN;
  const t0 = performance.now();
  const full = Math.floor(rows / batch);
  for (let step = 0; step < full;) {
    const s = Math.min(perRun, full - step);
    const r = await session.steps(gatherSteps(d, c, order, step * batch, s, batch), lrs.slice(0, s));
    loss = r.losses.loss_total?.[s - 1] as number;
    step += s;
  }
  if (rows % batch > 0) {
    const r = await session.steps(gatherSteps(d, c, order, full * batch, 1, rows % batch), [5e-3]);
    loss = r.losses.loss_total?.[0] as number;
  }
  const seconds = (performance.now() - t0) / 1000;
  await session.dispose();
  return { seconds, loss, perRun };
}

function peerEpoch(py: string, c: ClipLinearConfig, rows: number, batch: number, threads: number): { version: string; seconds: number; rssMb: number } | null {
  const args = [
    path.join(root, 'bench', 'heads_peer.py'),
    ...['--rows', rows, '--dim-img', c.imageDim, '--dim-txt', c.textDim, '--hidden', c.hidden, '--answers', c.numAnswers],
    ...['--types', c.numTypes, '--answerable-hidden', c.answerableHidden, '--batch', batch, '--threads', threads],
  ].map(String);
  const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    console.error(`peer failed: ${r.stderr.slice(-500)}`);
    return null;
  }
  const j = JSON.parse(line) as { torch: string; epoch_s: number; peak_rss_mb: number };
  return { version: j.torch, seconds: j.epoch_s, rssMb: j.peak_rss_mb };
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const c: ClipLinearConfig = { ...CLIP_LINEAR_DEFAULTS };
  const py = o.peer ? findPython() : null;
  if (o.peer && !py) console.error('heads bench: no python with torch found (.venv/bin/python, python3); peer fields are null');
  console.error(
    `heads bench: ${o.rows} rows, ${c.imageDim}+${c.textDim} -> ${c.hidden} -> ${c.numAnswers} (+${c.numTypes} types, answerable ${c.answerableHidden}), ${o.threads} threads`,
  );
  const data = synthetic(o.rows, c);
  const flops = o.rows * macsPerRow(c) * 2;
  for (const batch of o.batches) {
    // The machine may be shared: ours and the peer alternate for `--rounds` rounds; each epoch of ours is divided by
    // the GEMM peak measured right before and right after it (the higher of the two).
    const rounds: { ours: number; peer: number | null; peak: number; peaks: [number, number]; perRun: number; loss: number }[] = [];
    let peerVersion: string | null = null;
    let peerRss = 0;
    for (let r = 0; r < o.rounds; r++) {
      const peakBefore = await gemmPeak(o.threads);
      const ours = await oursEpoch(data, c, o.rows, batch, o.threads);
      const peakAfter = await gemmPeak(o.threads);
      const peer = py ? peerEpoch(py, c, o.rows, batch, o.threads) : null;
      if (peer) [peerVersion, peerRss] = [peer.version, Math.max(peerRss, peer.rssMb)];
      const peak = Math.max(peakBefore, peakAfter);
      rounds.push({ ours: ours.seconds, peer: peer?.seconds ?? null, peak, peaks: [peakBefore, peakAfter], perRun: ours.perRun, loss: ours.loss });
      const gf = flops / ours.seconds / 1e9;
      console.error(
        `batch ${batch} round ${r + 1} (${ours.perRun} steps per run): ours ${ours.seconds.toFixed(2)} s (${gf.toFixed(1)} GFLOP/s, ${((100 * gf) / peak).toFixed(0)}% of the GEMM peak ` +
          `${peakBefore.toFixed(1)} before / ${peakAfter.toFixed(1)} after, last loss ${ours.loss.toFixed(3)})` +
          (peer ? `, pytorch ${peer.version} ${peer.seconds.toFixed(2)} s, ratio ${(ours.seconds / peer.seconds).toFixed(2)}` : ''),
      );
    }
    const rss = process.resourceUsage().maxRSS / 1024;
    const best = rounds.reduce((a, b) => (b.ours < a.ours ? b : a));
    const peerTimes = rounds.map((r) => r.peer).filter((x): x is number => x !== null);
    const peerBest = peerTimes.length ? Math.min(...peerTimes) : null;
    const ratios = rounds.filter((r) => r.peer !== null).map((r) => r.ours / (r.peer as number));
    const fractions = rounds.map((r) => flops / r.ours / 1e9 / r.peak);
    const gflops = flops / best.ours / 1e9;
    const maxPeak = Math.max(...rounds.map((r) => r.peak));
    console.log(
      JSON.stringify({
        name: 'heads',
        batch,
        ours_s: round(best.ours, 3),
        peer: peerVersion ? `pytorch ${peerVersion}` : null,
        peer_s: peerBest !== null ? round(peerBest, 3) : null,
        ratio: peerBest !== null ? round(best.ours / peerBest, 3) : null,
        ratio_round_median: ratios.length ? round(median(ratios), 3) : null,
        round_ratios: ratios.map((x) => round(x, 3)),
        peak_rss_mb: Math.round(rss),
        peer_peak_rss_mb: peerVersion ? Math.round(peerRss) : null,
        epoch_gflops: round(gflops, 3),
        gemm_peak_gflops: round(maxPeak, 3),
        peak_fraction: round(gflops / maxPeak, 3),
        peak_fraction_round_median: round(median(fractions), 3),
        round_peak_fractions: fractions.map((x) => round(x, 3)),
        round_gemm_peaks: rounds.map((r) => r.peaks.map((x) => round(x, 1))),
        steps_per_run: best.perRun,
        threads: o.threads,
        rounds: o.rounds,
      }),
    );
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
