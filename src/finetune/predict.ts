/**
 * Prediction with PaliGemma: `predictPaligemma` answers every question of an annotation file, zero-shot with any
 * PaliGemma checkpoint or with a LoRA adapter in PEFT format (a fine-tune's best/ folder, or one made with Python
 * PEFT), and returns official submission entries {image, answer, answerable}:
 * - answer: greedy decoding (at most `maxNewTokens` new tokens, eos stop), the text through the official normaliser;
 * - answerable: 1 - P("unanswerable" + eos | prompt), teacher-forced (see answers.ts for both choices).
 * The adapter is merged into the base weights before inference (W + scaling * B @ A), in place when the base was
 * loaded here, so inference costs what the plain model costs. The prompt template is the adapter's (best/meta.json)
 * unless one is given, else answer-en-v1. With `quantize` (int8, int4) the Linear weights are block-quantized
 * (cached beside the checkpoint, models/quantized/cache.ts) and the adapter is not merged but applied on top in float. With `shard`, only that shard's questions are answered (src/shards/) for
 * `vizwiz merge`; `paligemmaFingerprint` is the model half of a shard's manifest. Batches are padded to their longest
 * prompt, so `answerable` can differ in the last bits with the batch's neighbours: sharded runs equal an unsharded
 * run byte for byte at batch size 1 (answers practically always at any size).
 */

import { basename, join } from 'node:path';
import type { ImageSource } from '../data/image-source.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import type { Device } from '../engine/device.js';
import type { ComputeDType } from '../engine/inference.js';
import { loadAdapter } from '../models/lora/peft-io.js';
import { mergeAdapters } from '../models/lora/merge.js';
import { paligemmaLinears } from '../models/lora/targets.js';
import { PaliGemmaGenerator } from '../models/paligemma/generate.js';
import { QUANT_SCHEMES, type QuantSchemeName } from '../engine/block-quantize.js';
import { paligemmaGeneratorWeights } from './generator-weights.js';
import { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { ANSWER_EN_V1, promptTemplate } from '../models/paligemma/prompt.js';
import { answerQuestions } from './answers.js';
import type { BaseInput } from './base.js';
import { PixelLoader } from './pixels.js';
import { readAdapterMeta } from './run-folder.js';
import { findCheckpoint } from '../models/sources/weight-files.js';
import { pathExists } from '../io/path-exists.js';
import { selectShard } from '../shards/assign.js';
import { fileFingerprint, jsonFingerprint } from '../shards/fingerprint.js';
import type { ShardSpec } from '../shards/spec.js';

export interface PaligemmaPredictOptions {
  base: BaseInput;
  /** A PEFT adapter folder (adapter_config.json + adapter_model.safetensors). */
  adapter?: string;
  questions: readonly VizWizQuestion[];
  images: ImageSource;
  batchSize?: number; // 16
  maxNewTokens?: number; // 8
  /** Prompt template id (default: the adapter's, else answer-en-v1). */
  prompt?: string;
  device?: Device;
  threads?: number;
  /** Called after each batch with the number of questions answered so far. */
  progress?: (done: number) => void;
  /** Answer only this shard's questions (in annotation order). */
  shard?: ShardSpec;
  /** Block-quantize the Linear weights (int8 or int4); the quantized weights are cached beside the checkpoint. */
  quantize?: QuantSchemeName;
  /** Where the quantized weights are cached (default `<base>/.vizwiz-quantized`). */
  quantizedCacheDir?: string;
  /** One line per notable step (the quantized cache read or written). */
  log?: (line: string) => void;
  /** Compute dtype of the generator (default float32; float16: GPU devices, not with `quantize`). */
  dtype?: ComputeDType;
}

/** The prompt template id a prediction uses: the given one, else the adapter's, else answer-en-v1. */
async function predictionPromptId(prompt: string | undefined, adapter: string | undefined): Promise<string> {
  return prompt ?? (adapter !== undefined ? (await readAdapterMeta(adapter))?.prompt.id : undefined) ?? ANSWER_EN_V1.id;
}

export interface PaligemmaIdentity {
  /** The base folder and its source; `commit` for a hub snapshot (then its files are not hashed). */
  base: { dir: string; source: string; weights: string; commit?: string };
  adapter?: string;
  prompt?: string;
  maxNewTokens: number;
  quantize?: QuantSchemeName;
  /** Only when not float32, so float32 predictions keep their fingerprint. */
  dtype?: ComputeDType;
}

/**
 * SHA-256 of what decides the answers: the base (a hub commit, or the content of its config, tokenizer and weight
 * files), the adapter's files, the prompt template and the longest answer. Hashing a local 3B checkpoint reads its
 * 12 GB once per shard: minutes at most, next to the hours its shard takes.
 */
export async function paligemmaFingerprint(o: PaligemmaIdentity): Promise<string> {
  const files: [string, string][] = [];
  const add = async (path: string): Promise<void> => {
    if (await pathExists(path)) files.push([basename(path), await fileFingerprint(path)]);
  };
  if (o.base.commit === undefined) {
    for (const name of ['config.json', 'tokenizer.json', 'tokenizer.model']) await add(join(o.base.dir, name));
    for (const file of (await findCheckpoint(o.base.weights)).files) await add(file);
  }
  const adapter: [string, string][] = [];
  if (o.adapter !== undefined) {
    for (const name of ['adapter_config.json', 'adapter_model.safetensors']) {
      const file = join(o.adapter, name);
      if (await pathExists(file)) adapter.push([name, await fileFingerprint(file)]);
    }
  }
  const template = promptTemplate(await predictionPromptId(o.prompt, o.adapter));
  return jsonFingerprint({
    format: 'paligemma/1',
    base: o.base.commit !== undefined ? { source: o.base.source, commit: o.base.commit } : { files },
    adapter,
    prompt: [template.id, template.template],
    maxNewTokens: o.maxNewTokens,
    ...(o.quantize ? { quantize: QUANT_SCHEMES[o.quantize] } : {}),
    ...(o.dtype !== undefined && o.dtype !== 'float32' ? { dtype: o.dtype } : {}),
  });
}

export async function predictPaligemma(o: PaligemmaPredictOptions): Promise<Prediction[]> {
  const { base, weights, options } = await paligemmaGeneratorWeights(o);
  const { config, prefixes } = base.model;
  const template = promptTemplate(await predictionPromptId(o.prompt, o.adapter));
  const proc = new PaliGemmaProcessor(base.tokenizer, config, { template });
  const session = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) };
  const generator = await PaliGemmaGenerator.create(config, prefixes, weights, { session, ...options, ...(o.dtype ? { dtype: o.dtype } : {}) });
  try {
    const pixels = new PixelLoader(o.images, config.vision.imageSize, 0);
    const { items: questions } = selectShard(o.questions, o.shard);
    const answers = await answerQuestions(generator, proc, pixels, questions, {
      batchSize: o.batchSize ?? 16,
      maxNewTokens: o.maxNewTokens ?? 8,
      answerability: true,
      ...(o.progress ? { progress: o.progress } : {}),
    });
    return questions.map((q, i) => ({ image: q.image, answer: answers[i]?.answer ?? '', answerable: answers[i]?.answerable ?? 1 }));
  } finally {
    await generator.dispose();
  }
}
