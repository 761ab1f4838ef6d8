/**
 * PaliGemma benchmark at the real size: google/paligemma-3b-pt-224's config (test/fixtures/manifests/
 * paligemma-3b-pt-224.json) with random weights (2.92e9 parameters, float32), batch 1, on ONNX Runtime CPU:
 *   load (random weights) -> image features (SigLIP + projector) -> prefill over the prompt (256 image tokens, bos,
 *   text, "\n") -> greedy decode steps on the KV cache -> LoRA training steps (r 8 on q/k/v/o/gate/up/down incl.
 *   SigLIP q/k/v, AdamW, loss on the answer rows), reporting seconds, prefill and decode tokens/s and peak RSS.
 * The peer is the same computation as a plain PyTorch module (bench/paligemma_peer.py, run with .venv/bin/python when
 * it imports torch). Ours and the peer run one after the other in child processes, since two float32 copies of the
 * 3B model do not fit in 24 GB together.
 * `npm run bench -- paligemma [--manifest FILE] [--text 12] [--answer 2] [--new 8] [--threads 2] [--r 8] [--no-peer]`
 * Human-readable lines on stderr; the final JSON line on stdout.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { greedyDecode } from '../src/models/gemma/generate.js';
import { loraConfig } from '../src/models/lora/config.js';
import { initAdapters, paligemmaLoraSet } from '../src/models/lora/paligemma-lora.js';
import { LoraTrainer } from '../src/models/lora/trainer.js';
import { paligemmaConfigFromHf } from '../src/models/paligemma/config.js';
import type { PaliGemmaBatch } from '../src/models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../src/models/paligemma/generate.js';
import { fullPrefixBias, paligemmaPositions } from '../src/models/paligemma/masks.js';
import { LEGACY_PREFIXES } from '../src/models/paligemma/names.js';
import { randomPaligemmaWeights } from '../src/models/paligemma/random.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  manifest: string;
  text: number; // prompt text tokens between bos and "\n"
  answer: number; // answer tokens (eos included) in the training example
  newTokens: number;
  threads: number;
  r: number;
  peer: boolean;
  part: 'all' | 'ours';
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    manifest: path.join(root, 'test/fixtures/manifests/paligemma-3b-pt-224.json'),
    text: 12,
    answer: 2,
    newTokens: 8,
    threads: 2,
    r: 8,
    peer: true,
    part: 'all',
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--manifest') o.manifest = path.resolve(next());
    else if (a === '--text') o.text = Number(next());
    else if (a === '--answer') o.answer = Number(next());
    else if (a === '--new') o.newTokens = Number(next());
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--r') o.r = Number(next());
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--part') o.part = next() === 'ours' ? 'ours' : 'all';
    else throw new Error(`paligemma bench: unknown argument ${a}`);
  }
  return o;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const rssMb = (): number => process.resourceUsage().maxRSS / 1024;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

/** One row: Np image tokens, bos, `text` ids, "\n" (108), then `answer` ids (the last one eos) when `answer` > 0. */
function exampleIds(imageId: number, np: number, text: number, answer: number): number[] {
  const body = Array.from({ length: text }, (_, i) => 3 + ((i * 7919) % 997));
  const ans = answer > 0 ? [...Array.from({ length: answer - 1 }, (_, i) => 200 + i), 1] : [];
  return [...new Array<number>(np).fill(imageId), 2, ...body, 108, ...ans];
}

async function runOurs(o: Options): Promise<Record<string, number | string>> {
  const manifest = JSON.parse(readFileSync(o.manifest, 'utf8')) as { config?: unknown };
  const c = paligemmaConfigFromHf(manifest.config ?? manifest);
  const p = LEGACY_PREFIXES;
  const session = { threads: o.threads };
  const [weights, loadS] = await timed(async () => randomPaligemmaWeights(c, p, 0));
  log(`ours: random weights in ${loadS.toFixed(1)} s, RSS ${rssMb().toFixed(0)} MB`);
  const s = c.vision.imageSize;
  const pixels = Float32Array.from({ length: 3 * s * s }, (_, i) => Math.sin(i) * 0.9);

  const [gen, buildS] = await timed(() => PaliGemmaGenerator.create(c, p, weights, { session }));
  const ids = exampleIds(c.imageTokenIndex, c.numImageTokens, o.text, 0);
  const t = ids.length;
  const req = { batch: 1, length: t, inputIds: BigInt64Array.from(ids, BigInt), attentionMask: new Uint8Array(t).fill(1), pixelValues: pixels };
  let visionS = Infinity;
  let prefillS = Infinity;
  let pre = null as Awaited<ReturnType<typeof gen.decoder.prefill>> | null;
  for (let rep = 0; rep < 2; rep++) {
    const [features, vs] = await timed(() => gen.imageFeatures(pixels, 1));
    const embeds = gen.promptEmbeddings(req, features);
    const mask = new Uint8Array(t).fill(1);
    const [res, ps] = await timed(() =>
      gen.decoder.prefill({
        batch: 1,
        length: t,
        inputsEmbeds: embeds,
        positionIds: paligemmaPositions(mask, 1, t),
        bias: fullPrefixBias(mask, 1, t),
        lastIndex: [t - 1],
      }),
    );
    if (pre) gen.decoder.release(pre.cache); // resident on WebGPU
    [visionS, prefillS, pre] = [Math.min(visionS, vs), Math.min(prefillS, ps), res];
    log(`ours: image features ${vs.toFixed(2)} s, prefill of ${t} tokens ${ps.toFixed(2)} s`);
  }
  const start = { cache: pre!.cache, logits: pre!.logits, keyValid: new Uint8Array(t).fill(1), nextPosition: [t + 1] };
  const greedy = { eosTokenIds: [] as number[], padTokenId: c.text.padTokenId };
  await greedyDecode(gen.decoder, start, { ...greedy, maxNewTokens: 2 }); // warm-up
  const [, decodeS] = await timed(() => greedyDecode(gen.decoder, start, { ...greedy, maxNewTokens: o.newTokens }));
  gen.decoder.release(start.cache);
  const decodeTokS = (o.newTokens - 1) / decodeS;
  log(`ours: decode ${decodeTokS.toFixed(2)} tokens/s (${o.newTokens - 1} cached steps), RSS ${rssMb().toFixed(0)} MB`);
  await gen.dispose();

  const set = paligemmaLoraSet(c, p, loraConfig({ r: o.r, alpha: o.r }));
  const [trainer, trainBuildS] = await timed(() => LoraTrainer.create(c, p, weights, set, initAdapters(set, 0), { session }));
  const all = exampleIds(c.imageTokenIndex, c.numImageTokens, o.text, o.answer);
  const n = all.length;
  const prefix = n - o.answer;
  const batch: PaliGemmaBatch = {
    batch: 1,
    length: n,
    inputIds: BigInt64Array.from(all, BigInt),
    attentionMask: new Uint8Array(n).fill(1),
    pixelValues: pixels,
    tokenTypeIds: Uint8Array.from({ length: n }, (_, i) => (i >= prefix ? 1 : 0)),
    labels: BigInt64Array.from(all, (id, i) => BigInt(i >= prefix ? id : -100)),
  };
  let stepS = Infinity;
  for (let rep = 0; rep < 2; rep++) {
    const [res, secs] = await timed(() => trainer.step(batch, 2e-5));
    stepS = Math.min(stepS, secs);
    log(`ours: LoRA step ${secs.toFixed(2)} s (loss ${res.loss.toFixed(4)}), RSS ${rssMb().toFixed(0)} MB`);
  }
  await trainer.dispose();
  return {
    engine: 'onnxruntime-node 1.30 (CPU)',
    threads: o.threads,
    prompt_tokens: t,
    load_s: loadS,
    build_s: buildS,
    vision_s: visionS,
    prefill_s: prefillS,
    prefill_tok_s: t / prefillS,
    decode_tok_s: decodeTokS,
    lora_build_s: trainBuildS,
    lora_step_s: stepS,
    peak_rss_mb: rssMb(),
  };
}

function lastJson(stdout: string): Record<string, unknown> | null {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  if (o.part === 'ours') {
    process.stdout.write(`${JSON.stringify(await runOurs(o))}\n`);
    return;
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/run.ts'), 'paligemma', ...args, '--part', 'ours'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const ours = lastJson(child.stdout ?? '');
  if (!ours) throw new Error(`paligemma bench: our run failed (exit ${child.status})`);
  let peer: Record<string, unknown> | null = null;
  const python = path.join(root, '.venv/bin/python');
  if (o.peer && existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
    log('peer: PyTorch module of the same shapes...');
    const res = spawnSync(
      python,
      [
        path.join(root, 'bench/paligemma_peer.py'),
        '--config',
        o.manifest,
        '--prompt',
        String(ours.prompt_tokens),
        '--answer',
        String(o.answer),
        '--new',
        String(o.newTokens),
        '--threads',
        String(o.threads),
        '--r',
        String(o.r),
        '--alpha',
        String(o.r),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    peer = lastJson(res.stdout ?? '');
    if (!peer) log(`peer failed (exit ${res.status})`);
  } else if (o.peer) log('peer skipped: no .venv/bin/python that imports torch');
  const fmt = (x: unknown): string => (typeof x === 'number' ? x.toFixed(2) : String(x));
  for (const k of ['vision_s', 'prefill_tok_s', 'decode_tok_s', 'lora_step_s', 'peak_rss_mb'])
    log(`${k.padEnd(14)} ours ${fmt(ours[k]).padStart(10)}   peer ${fmt(peer?.[k]).padStart(10)}`);
  process.stdout.write(`${JSON.stringify({ bench: 'paligemma', manifest: path.basename(o.manifest), ours, peer })}\n`);
}
