/**
 * Quantization at PaliGemma's real size (google/paligemma-3b-pt-224's config, random weights): the time
 * to answer one VizWiz question - image features (SigLIP + projector), prompt embeddings, prefill over 256 image
 * tokens + bos + text + "\n", and 3 greedy answer tokens - and the process's peak RSS, for float32, int8 and int4
 * (every Linear of SigLIP, the projector and Gemma, and Gemma's tied embedding / output head quantized: int8 per
 * channel on the integer GEMM, int4 in blocks with MatMulNBits; the generator holds one Gemma session and drops its
 * copy of the quantized parts, as predict does). Each dtype
 * runs in its own child process so each peak RSS is its own; quantized weights are made one tensor at a time from
 * the random float tensors, so no float copy of the model is ever held. Time: the best of `--reps` answers after one
 * warm-up answer. `--text-layers N --vision-layers N` shrink the model (faster trial runs; say so when reporting).
 * `npm run bench -- paligemma-quant [--dtypes f32,int8,int4] [--threads 2] [--reps 2] [--text-layers N] [--vision-layers N]`
 * Roofline: each child also measures ORT's float32 GEMM peak (_gemm-peak.ts) before building its sessions and after its
 * answers, and the answer's FLOPs (_paligemma-flops.ts, ~1.3 TFLOP at real size) give `gflops_per_s` and its fraction of
 * that peak: how close float32 is to the machine's limit, and how much faster than it a quantized kernel must run.
 * Human-readable lines on stderr; one JSON line per dtype on stdout:
 *   {"name":"paligemma-answer","dtype":...,"seconds":...,"rss_mb":...,"ratio_to_f32":...,"gflops_per_s":...,
 *    "gemm_peak_gflops":...,"peak_fraction":...}
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { QUANT_SCHEMES, type QuantSchemeName } from '../src/engine/block-quantize.js';
import type { WeightArray } from '../src/engine/weights.js';
import { paligemmaConfigFromHf, type PaliGemmaConfig } from '../src/models/paligemma/config.js';
import { PaliGemmaGenerator } from '../src/models/paligemma/generate.js';
import { LEGACY_PREFIXES, paligemmaParamSpecs } from '../src/models/paligemma/names.js';
import { randomPaligemmaTensors } from '../src/models/paligemma/random.js';
import { quantizeLinearWeights } from '../src/models/quantized/linear-weights.js';
import { paligemmaQuantizedSelection } from '../src/models/paligemma/quantized-weights.js';
import type { QuantizedSelection } from '../src/engine/quantized-weights.js';
import { root, round } from './_common.js';
import { gemmPeak } from './_gemm-peak.js';
import { paligemmaAnswerFlops } from './_paligemma-flops.js';

type DType = 'f32' | QuantSchemeName;

interface Options {
  manifest: string;
  dtypes: DType[];
  threads: number;
  reps: number;
  text: number;
  textLayers?: number;
  visionLayers?: number;
  part?: DType;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    manifest: path.join(root, 'test/fixtures/manifests/paligemma-3b-pt-224.json'),
    dtypes: ['f32', 'int8', 'int4'],
    threads: 2,
    reps: 2,
    text: 12,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--manifest') o.manifest = path.resolve(next());
    else if (a === '--dtypes') o.dtypes = next().split(',') as DType[];
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--reps') o.reps = Number(next());
    else if (a === '--text') o.text = Number(next());
    else if (a === '--text-layers') o.textLayers = Number(next());
    else if (a === '--vision-layers') o.visionLayers = Number(next());
    else if (a === '--part') o.part = next() as DType;
    else throw new Error(`paligemma-quant bench: unknown argument ${a}`);
  }
  for (const d of [...o.dtypes, ...(o.part ? [o.part] : [])]) {
    if (d !== 'f32' && !(d in QUANT_SCHEMES)) throw new Error(`paligemma-quant bench: --dtypes takes f32, int8, int4; got ${d}`);
  }
  return o;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const rssMb = (): number => process.resourceUsage().maxRSS / 1024;

function configOf(o: Options): PaliGemmaConfig {
  const manifest = JSON.parse(readFileSync(o.manifest, 'utf8')) as { config?: Record<string, unknown> } & Record<string, unknown>;
  const hf = structuredClone(manifest.config ?? manifest) as { text_config: Record<string, unknown>; vision_config: Record<string, unknown> };
  if (o.textLayers !== undefined) hf.text_config.num_hidden_layers = o.textLayers;
  if (o.visionLayers !== undefined) hf.vision_config.num_hidden_layers = o.visionLayers;
  return paligemmaConfigFromHf(hf);
}

/** Random weights, each Linear weight quantized as soon as it is made (float32: all kept). */
function weightsFor(c: PaliGemmaConfig, dtype: DType): { weights: Map<string, WeightArray>; selection?: QuantizedSelection } {
  const specs = paligemmaParamSpecs(c, LEGACY_PREFIXES);
  const selection = dtype === 'f32' ? undefined : paligemmaQuantizedSelection(specs, LEGACY_PREFIXES, QUANT_SCHEMES[dtype]);
  const weights = new Map<string, WeightArray>();
  for (const [name, data] of randomPaligemmaTensors(c, LEGACY_PREFIXES, 0)) {
    if (!selection?.names.has(name)) weights.set(name, data);
    else for (const [part, values] of quantizeLinearWeights(new Map([[name, data]]), specs, selection)) weights.set(part, values);
  }
  return selection ? { weights, selection } : { weights };
}

/** The prompt answerOnce asks: the image tokens, bos, `text` question tokens and "\n". */
const promptLength = (c: PaliGemmaConfig, text: number): number => c.numImageTokens + text + 2;
const ANSWER_TOKENS = 3;

async function answerOnce(gen: PaliGemmaGenerator, c: PaliGemmaConfig, text: number): Promise<number> {
  const ids = [...new Array<number>(c.numImageTokens).fill(c.imageTokenIndex), 2, ...Array.from({ length: text }, (_, i) => 3 + ((i * 7919) % 997)), 108];
  const t = ids.length;
  const s = c.vision.imageSize;
  const pixels = Float32Array.from({ length: 3 * s * s }, (_, i) => Math.sin(i) * 0.9);
  const t0 = performance.now();
  await gen.generate(
    { batch: 1, length: t, inputIds: BigInt64Array.from(ids, BigInt), attentionMask: new Uint8Array(t).fill(1), pixelValues: pixels },
    { maxNewTokens: ANSWER_TOKENS, eosTokenIds: [], padTokenId: c.text.padTokenId },
  );
  return (performance.now() - t0) / 1000;
}

async function runPart(o: Options, dtype: DType): Promise<Record<string, number | string>> {
  const c = configOf(o);
  const peakBefore = await gemmPeak(o.threads);
  const t0 = performance.now();
  const { weights, selection } = weightsFor(c, dtype);
  log(`${dtype}: weights ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${rssMb().toFixed(0)} MB`);
  const t1 = performance.now();
  // As predict loads it: quantized parts leave the map once the sessions hold them.
  const gen = await PaliGemmaGenerator.create(c, LEGACY_PREFIXES, weights, {
    session: { threads: o.threads },
    ...(selection ? { quantized: selection, releaseBound: true } : {}),
  });
  const buildS = (performance.now() - t1) / 1000;
  log(`${dtype}: sessions in ${buildS.toFixed(1)} s, RSS ${rssMb().toFixed(0)} MB`);
  const warm = await answerOnce(gen, c, o.text);
  log(`${dtype}: warm-up answer ${warm.toFixed(2)} s`);
  let best = Infinity;
  for (let r = 0; r < o.reps; r++) {
    const s = await answerOnce(gen, c, o.text);
    log(`${dtype}: answer ${s.toFixed(2)} s`);
    best = Math.min(best, s);
  }
  await gen.dispose();
  const rss = rssMb(); // before the peak's own buffers
  const peak = Math.max(peakBefore, await gemmPeak(o.threads));
  const gflops = paligemmaAnswerFlops(c, promptLength(c, o.text), ANSWER_TOKENS) / 1e9;
  log(`${dtype}: ${(gflops / best).toFixed(1)} GFLOP/s = ${((100 * gflops) / best / peak).toFixed(0)}% of the float32 GEMM peak ${peak.toFixed(1)} GFLOP/s`);
  return {
    dtype,
    seconds: best,
    rss_mb: rss,
    build_s: buildS,
    text_layers: c.text.layers,
    vision_layers: c.vision.layers,
    gflop: gflops,
    gemm_peak_gflops: peak,
  };
}

function lastJson(stdout: string): Record<string, number | string> | null {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  return line ? (JSON.parse(line) as Record<string, number | string>) : null;
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  if (o.part) {
    process.stdout.write(`${JSON.stringify(await runPart(o, o.part))}\n`);
    return;
  }
  const rows: Record<string, number | string>[] = [];
  for (const dtype of o.dtypes) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/run.ts'), 'paligemma-quant', ...args, '--part', dtype], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const row = lastJson(child.stdout ?? '');
    if (!row) throw new Error(`paligemma-quant bench: the ${dtype} run failed (exit ${child.status})`);
    rows.push(row);
  }
  const f32 = rows.find((r) => r.dtype === 'f32');
  for (const r of rows) {
    const ratio = f32 ? round((r.seconds as number) / (f32.seconds as number), 3) : null;
    const line = {
      name: 'paligemma-answer',
      dtype: r.dtype,
      seconds: round(r.seconds as number, 3),
      rss_mb: Math.round(r.rss_mb as number),
      ratio_to_f32: ratio,
      gflops_per_s: round((r.gflop as number) / (r.seconds as number), 1),
      gemm_peak_gflops: round(r.gemm_peak_gflops as number, 1),
      peak_fraction: round((r.gflop as number) / (r.seconds as number) / (r.gemm_peak_gflops as number), 3),
      text_layers: r.text_layers,
      vision_layers: r.vision_layers,
      threads: o.threads,
    };
    log(`${String(r.dtype).padEnd(5)} ${line.seconds.toFixed(2).padStart(8)} s  RSS ${String(line.rss_mb).padStart(6)} MB  x${ratio ?? '-'} of f32`);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
