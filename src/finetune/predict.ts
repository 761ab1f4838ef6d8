/**
 * Prediction with PaliGemma: `predictPaligemma` answers every question of an annotation file, zero-shot with any
 * PaliGemma checkpoint or with a LoRA adapter in PEFT format (a fine-tune's best/ folder, or one made with Python
 * PEFT), and returns official submission entries {image, answer, answerable}:
 * - answer: greedy decoding (at most `maxNewTokens` new tokens, eos stop), the text through the official normaliser;
 * - answerable: 1 - P("unanswerable" + eos | prompt), teacher-forced (see answers.ts for both choices).
 * The adapter is merged into the base weights before inference (W + scaling * B @ A), in place when the base was
 * loaded here, so inference costs what the plain model costs. The prompt template is the adapter's (best/meta.json)
 * unless one is given, else answer-en-v1.
 */

import type { ImageSource } from '../data/image-source.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import type { Device } from '../engine/device.js';
import { loadAdapter } from '../models/lora/peft-io.js';
import { mergeAdapters } from '../models/lora/merge.js';
import { paligemmaLinears } from '../models/lora/targets.js';
import { PaliGemmaGenerator } from '../models/paligemma/generate.js';
import { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { ANSWER_EN_V1, promptTemplate } from '../models/paligemma/prompt.js';
import { answerQuestions } from './answers.js';
import { loadBase, type BaseInput } from './base.js';
import { PixelLoader } from './pixels.js';
import { readAdapterMeta } from './run-folder.js';

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
}

export async function predictPaligemma(o: PaligemmaPredictOptions): Promise<Prediction[]> {
  const base = await loadBase(o.base);
  const { config, prefixes } = base.model;
  let weights: ReadonlyMap<string, Float32Array> = base.model.weights;
  let promptId = o.prompt;
  if (o.adapter !== undefined) {
    const adapter = await loadAdapter(o.adapter, paligemmaLinears(config, prefixes));
    weights = mergeAdapters(base.model.weights, adapter.set, adapter.tensors, { inPlace: base.loaded });
    promptId ??= (await readAdapterMeta(o.adapter))?.prompt.id;
  }
  const template = promptId !== undefined ? promptTemplate(promptId) : ANSWER_EN_V1;
  const proc = new PaliGemmaProcessor(base.tokenizer, config, { template });
  const session = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) };
  const generator = await PaliGemmaGenerator.create(config, prefixes, weights, { session });
  try {
    const pixels = new PixelLoader(o.images, config.vision.imageSize, 0);
    const answers = await answerQuestions(generator, proc, pixels, o.questions, {
      batchSize: o.batchSize ?? 16,
      maxNewTokens: o.maxNewTokens ?? 8,
      answerability: true,
      ...(o.progress ? { progress: o.progress } : {}),
    });
    return o.questions.map((q, i) => ({ image: q.image, answer: answers[i]?.answer ?? '', answerable: answers[i]?.answerable ?? 1 }));
  } finally {
    await generator.dispose();
  }
}
