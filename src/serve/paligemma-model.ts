/**
 * PaliGemma served zero-shot or with a LoRA adapter (PEFT folder, e.g. a fine-tune's best/): the adapter is merged
 * into the base weights once at start-up, then each batch of photos and questions goes through the same answering
 * code as `vizwiz predict --model paligemma` (src/finetune/answers.ts): the prompt template (the adapter's, else
 * answer-en-v1), greedy decoding, and answerable = 1 - P("unanswerable"). Clients that follow vLLM's PaliGemma
 * convention send the prompt prefix themselves ("answer en What is this?"); that prefix is taken off so the template
 * is not applied twice. The answer is the generated text as is (not the metric's normalised form).
 */
import type { ImageSource } from '../data/image-source.js';
import type { Device } from '../engine/device.js';
import { answerQuestions } from '../finetune/answers.js';
import type { BaseInput } from '../finetune/base.js';
import { paligemmaGeneratorWeights } from '../finetune/generator-weights.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { ComputeDType } from '../engine/inference.js';
import { PixelLoader } from '../finetune/pixels.js';
import { readAdapterMeta } from '../finetune/run-folder.js';
import { PaliGemmaGenerator } from '../models/paligemma/generate.js';
import { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { ANSWER_EN_V1, promptTemplate } from '../models/paligemma/prompt.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import { siglipPreprocess } from '../models/siglip/preprocess.js';
import type { AnswerInput, AnswerModel, ModelAnswer, PreparedPhoto } from './answer-model.js';
import type { RgbImage } from '../images/rgb.js';
import { PhotoQuality } from './photo-quality.js';

export interface PaligemmaModelOptions {
  /** A checkpoint folder or hf:org/repo[@rev], or a base already in memory (benchmarks). */
  base: BaseInput;
  adapter?: string;
  device: Device;
  threads?: number;
  offline?: boolean;
  /** A quality head folder (runs its own encoder on the same photos). */
  quality?: string;
  roots?: readonly string[];
  /** Most new tokens per answer (default 8, as predict). */
  maxNewTokens?: number;
  /** Prompt template id (default: the adapter's, else answer-en-v1). */
  prompt?: string;
  id?: string;
  /** Block-quantized Linear weights (int8, int4), cached beside the checkpoint; an adapter then applies on top. */
  quantize?: QuantSchemeName;
  /** Compute dtype of the generator (default float32; float16: GPU devices, not with `quantize`). */
  dtype?: ComputeDType;
  log?: (line: string) => void;
}

/** The photos of one batch, already preprocessed, handed to the answering loop by their index. */
class BatchPixels extends PixelLoader {
  constructor(
    private readonly pixels: readonly Float32Array[],
    size: number,
  ) {
    super(NO_SOURCE, size, 0);
  }

  override async get(name: string): Promise<Float32Array> {
    return this.pixels[Number(name)] as Float32Array;
  }
}

const NO_SOURCE: ImageSource = {
  location: 'request',
  has: async () => false,
  read: async (name) => {
    throw new Error(`no image ${name}: photos come with the request`);
  },
  close: async () => {},
};

/** vLLM's PaliGemma clients send "answer en <question>" (or another language code): the template adds it again. */
export function stripPromptPrefix(question: string): string {
  return question.replace(/^answer [a-z]{2}\s+/iu, '');
}

export async function loadPaligemmaModel(o: PaligemmaModelOptions): Promise<AnswerModel> {
  let base = o.base;
  if (typeof base === 'string') {
    const resolved = await resolveModelSource(base, o.offline ? { offline: true } : {});
    base = { dir: resolved.dir, source: resolved.source };
  }
  const {
    base: loaded,
    weights,
    options,
  } = await paligemmaGeneratorWeights({
    base,
    ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
    ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  const { config, prefixes } = loaded.model;
  let promptId = o.prompt;
  if (o.adapter !== undefined) promptId ??= (await readAdapterMeta(o.adapter))?.prompt.id;
  const template = promptId !== undefined ? promptTemplate(promptId) : ANSWER_EN_V1;
  const proc = new PaliGemmaProcessor(loaded.tokenizer, config, { template });
  const session = { device: o.device, ...(o.threads ? { threads: o.threads } : {}) };
  const generator = await PaliGemmaGenerator.create(config, prefixes, weights, { session, ...options, ...(o.dtype ? { dtype: o.dtype } : {}) });
  let quality: PhotoQuality | undefined;
  try {
    if (o.quality) quality = await PhotoQuality.load(o.quality, o);
  } catch (err) {
    await generator.dispose();
    throw err;
  }
  const size = config.vision.imageSize;
  return {
    id: o.id ?? (o.adapter !== undefined ? 'paligemma-lora' : 'paligemma'),
    description: `PaliGemma ${loaded.source}${o.quantize ? ` (${o.quantize})` : ''}${o.dtype === 'float16' ? ' (float16)' : ''}${o.adapter !== undefined ? ` with adapter ${o.adapter}` : ' zero-shot'}, prompt ${template.id}${quality ? `, quality head ${quality.dir}` : ', no quality head'}`,
    device: o.device,
    hasQuality: quality !== undefined,
    async prepare(photo: RgbImage): Promise<PreparedPhoto> {
      return { siglip: siglipPreprocess(photo, size), quality: await quality?.prepare(photo) };
    },
    async answer(inputs: readonly AnswerInput[]): Promise<ModelAnswer[]> {
      const pixels = new BatchPixels(
        inputs.map((i) => i.prepared?.siglip ?? siglipPreprocess(i.image, size)),
        size,
      );
      const questions = inputs.map((i, k) => ({ image: String(k), question: stripPromptPrefix(i.question) }));
      const answers = await answerQuestions(generator, proc, pixels, questions, {
        batchSize: inputs.length,
        maxNewTokens: o.maxNewTokens ?? 8,
        answerability: true,
      });
      const flags = quality
        ? await quality.assess(
            inputs.map((i) => i.image),
            undefined,
            inputs.map((i) => i.prepared?.quality),
          )
        : undefined;
      return answers.map((a, i) => ({
        answer: a.raw.trim() || a.answer,
        answerable: a.answerable ?? 1,
        ...(flags ? { quality: flags[i]! } : {}),
      }));
    },
    async dispose(): Promise<void> {
      await generator.dispose();
      await quality?.dispose();
    },
  };
}
