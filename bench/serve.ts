/**
 * The service at real model sizes with random weights: the clip-linear head on CLIP ViT-L/14@336 (its parameter
 * manifest, test/fixtures/manifests/clip-vit-large-patch14-336.json; 5,726 answer classes) and PaliGemma-3B
 * (google/paligemma-3b-pt-224's config, float32, with the project's small BPE tokenizer, whose special ids match).
 * For each model the in-process server answers N concurrent loopback clients (autocannon), R requests each, twice: with
 * dynamic batching (--max-batch, default 8) and without (batch 1). Reports answered requests per second, p50/p99
 * latency of both, and the peak RSS of the process.
 * `npm run bench -- serve [--models clip,paligemma] [--connections 8] [--requests 4] [--threads 2] [--max-batch 8]
 *   [--clip-layers 24] [--siglip-layers 27] [--gemma-layers 18]` (fewer layers: a reduced, quicker run on a busy
 * machine; the JSON says which). Human-readable lines on stderr; one final JSON line per model on stdout.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { AnswerVocabulary } from '../src/data/vocabulary.js';
import { initParams } from '../src/engine/init.js';
import { ClipTokenizer } from '../src/models/clip/tokenizer.js';
import { createClipEncoder } from '../src/models/clip/encoder.js';
import { randomClipWeights, readManifest, type ParamManifest } from '../src/models/clip/weights.js';
import { paligemmaConfigFromHf } from '../src/models/paligemma/config.js';
import { LEGACY_PREFIXES } from '../src/models/paligemma/names.js';
import { randomPaligemmaWeights } from '../src/models/paligemma/random.js';
import { sampleQuestionAnswers } from '../src/data/sample/texts.js';
import { tinyPaligemmaTokenizer } from '../src/models/paligemma/tiny.js';
import { GemmaTokenizer } from '../src/models/paligemma/tokenizer.js';
import type { AnswerModel } from '../src/serve/answer-model.js';
import { createHeadModel } from '../src/serve/head-model.js';
import { DEFAULT_LIMITS } from '../src/serve/limits.js';
import { loadPaligemmaModel } from '../src/serve/paligemma-model.js';
import { startService } from '../src/serve/server.js';
import { trainConfig } from '../src/train/config.js';
import { TRAINABLE_HEADS } from '../src/train/head-registry.js';
import { root, round, syntheticJpegs } from './_common.js';
import { loadRun, type LoadReport } from './_serve.js';

interface Options {
  models: string[];
  /** Requests per client in each run. */
  requests: number;
  connections: number;
  threads: number;
  maxBatch: number;
  clipLayers: number;
  siglipLayers: number | undefined;
  gemmaLayers: number | undefined;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    models: ['clip', 'paligemma'],
    requests: 4,
    connections: 8,
    threads: 2,
    maxBatch: 8,
    clipLayers: 24,
    siglipLayers: undefined,
    gemmaLayers: undefined,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--models') o.models = next().split(',');
    else if (a === '--requests') o.requests = Number(next());
    else if (a === '--connections') o.connections = Number(next());
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--max-batch') o.maxBatch = Number(next());
    else if (a === '--clip-layers') o.clipLayers = Number(next());
    else if (a === '--siglip-layers') o.siglipLayers = Number(next());
    else if (a === '--gemma-layers') o.gemmaLayers = Number(next());
    else throw new Error(`serve bench: unknown argument ${a}`);
  }
  return o;
}

/** The manifest with only the first `layers` vision layers. */
function withVisionLayers(m: ParamManifest, layers: number): ParamManifest {
  const config = m.config as { vision_config: Record<string, unknown> };
  const keep = ([name]: [string, number[]]): boolean => {
    const hit = /^vision_model\.encoder\.layers\.(\d+)\./u.exec(name);
    return !hit || Number(hit[1]) < layers;
  };
  return {
    ...m,
    parameters: Object.fromEntries(Object.entries(m.parameters).filter(keep)),
    config: { ...config, vision_config: { ...config.vision_config, num_hidden_layers: layers } },
  };
}

async function clipLinear(o: Options): Promise<{ model: AnswerModel; label: string }> {
  const full = await readManifest(path.join(root, 'test', 'fixtures', 'manifests', 'clip-vit-large-patch14-336.json'));
  const { config, weights } = randomClipWeights(o.clipLayers === 24 ? full : withVisionLayers(full, o.clipLayers), 0);
  const tokenizer = await ClipTokenizer.fromFolder(path.join(root, 'test', 'fixtures', 'clip', 'tokenizer'));
  const encoder = await createClipEncoder(weights, tokenizer, config, { threads: o.threads, id: 'clip-vit-l14-336' });
  const answers = AnswerVocabulary.build(
    Array.from({ length: 5726 }, (_, i) => `answer ${i}`),
    { topK: 5726, unknown: 'skip' },
  );
  const dims = { image: 768, text: 768, answers: answers.size };
  const { epochs: _e, device: _d, threads: _t, ...stable } = trainConfig('clip-linear');
  const head = TRAINABLE_HEADS['clip-linear'].build(dims, trainConfig('clip-linear'));
  const model = await createHeadModel({
    description: {
      format: 'vizwiz-head/1',
      head: 'clip-linear',
      config: stable,
      dims,
      encoder: 'clip-vit-l14-336',
      answers: answers.toJSON(),
      trainDataHash: 'random',
    },
    params: initParams(head.model.params, 0),
    encoder,
    device: 'cpu',
    threads: o.threads,
    id: 'clip-linear',
    origin: 'random weights',
  });
  return { model, label: `clip-linear on CLIP ViT-L/14@336 (${o.clipLayers} vision layers), random weights` };
}

async function paligemma(o: Options): Promise<{ model: AnswerModel; label: string }> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'manifests', 'paligemma-3b-pt-224.json'), 'utf8')) as {
    config: Record<string, any>;
  };
  const raw = structuredClone(manifest.config);
  if (o.siglipLayers !== undefined) raw.vision_config.num_hidden_layers = o.siglipLayers;
  if (o.gemmaLayers !== undefined) raw.text_config.num_hidden_layers = o.gemmaLayers;
  const config = paligemmaConfigFromHf(raw);
  const weights = randomPaligemmaWeights(config, LEGACY_PREFIXES, 0);
  const tok = tinyPaligemmaTokenizer(sampleQuestionAnswers());
  const tokenizer = GemmaTokenizer.fromJson(tok.tokenizer, tok.config);
  const model = await loadPaligemmaModel({
    base: { model: { config, prefixes: LEGACY_PREFIXES, weights }, tokenizer, source: 'random PaliGemma-3B' },
    device: 'cpu',
    threads: o.threads,
    id: 'paligemma',
  });
  return { model, label: `PaliGemma-3B (${config.vision.layers} SigLIP / ${config.text.layers} Gemma layers), random weights, float32` };
}

async function measure(model: AnswerModel, maxBatch: number, o: Options, photo: Buffer): Promise<LoadReport> {
  const service = await startService({
    host: '127.0.0.1',
    port: 0,
    limits: { ...DEFAULT_LIMITS, maxBatch, maxQueue: Math.max(64, 4 * o.connections), timeoutMs: 600_000 },
    load: async () => ({ ...model, answer: (i) => model.answer(i), dispose: async () => {} }),
  });
  await service.ready;
  try {
    // Warm-up: one round of every client, so the batch shapes the run will see have been planned once.
    await loadRun({ url: service.url, connections: o.connections, amount: o.connections, photo, question: 'What is this?', timeoutS: 600 });
    return await loadRun({
      url: service.url,
      connections: o.connections,
      amount: o.connections * o.requests,
      photo,
      question: 'What colour is this shirt?',
      timeoutS: 600,
    });
  } finally {
    await service.shutdown();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const [photo] = await syntheticJpegs(1, [[640, 480]]);
  for (const name of o.models) {
    const started = performance.now();
    const { model, label } = name === 'clip' ? await clipLinear(o) : name === 'paligemma' ? await paligemma(o) : { model: undefined, label: '' };
    if (!model) throw new Error(`serve bench: unknown model ${name} (clip, paligemma)`);
    console.error(
      `serve: ${label}: ready in ${((performance.now() - started) / 1000).toFixed(1)} s; ${o.connections} clients x ${o.requests} requests, ${o.threads} threads`,
    );
    const batching = await measure(model, o.maxBatch, o, photo!);
    console.error(
      `  batching (max ${o.maxBatch}): ${batching.rps.toFixed(3)} answers/s in ${batching.seconds.toFixed(1)} s, p50 ${batching.p50_ms} ms, p99 ${batching.p99_ms} ms, statuses ${JSON.stringify(batching.statuses)}`,
    );
    const single = await measure(model, 1, o, photo!);
    console.error(
      `  batch 1: ${single.rps.toFixed(3)} answers/s in ${single.seconds.toFixed(1)} s, p50 ${single.p50_ms} ms, p99 ${single.p99_ms} ms, statuses ${JSON.stringify(single.statuses)}`,
    );
    await model.dispose();
    const peak = Math.max(batching.peakRssMb, single.peakRssMb, process.resourceUsage().maxRSS / 1024);
    process.stdout.write(
      `${JSON.stringify({
        name: 'serve',
        model: label,
        batching_rps: round(batching.rps, 3),
        single_rps: round(single.rps, 3),
        p50_ms: batching.p50_ms,
        p99_ms: batching.p99_ms,
        single_p50_ms: single.p50_ms,
        single_p99_ms: single.p99_ms,
        max_batch: o.maxBatch,
        connections: o.connections,
        requests: o.connections * o.requests,
        threads: o.threads,
        bad_5xx: batching.bad5xx + single.bad5xx,
        peak_rss_mb: Math.round(peak),
      })}\n`,
    );
  }
}
