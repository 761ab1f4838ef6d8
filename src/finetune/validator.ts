/**
 * Per-epoch validation of a fine-tune at the current adapters:
 * - accuracy: greedy answers (answers.ts) from the generator over the merged weights (merged-weights.ts), scored with
 *   the official VizWiz metric (`evaluate(.., { metric: 'official' })`), percent;
 * - loss: the token-weighted mean cross-entropy of each record's most common answer, from an inference graph of the
 *   LoRA model (adapters and base weights all constant here) - one forward pass per batch, no decoding.
 * The graphs and sessions are built once; each run refreshes the merged weights and the adapter arrays, which the
 * CPU's sessions read with every run. A GPU session holds its own copy of the weights it was created with (weights.ts:
 * initializers), so there the generator is rebuilt over the refreshed merged weights at each run (once per epoch);
 * the loss graph feeds the adapters with every run on any device (`mutable`).
 * A float16 run (`dtype`) validates in float16: the float16 generator (rebuilt at each run on every device, as it
 * converts the merged weights once) and the float16 loss graph, fed the adapters as float16 bits.
 */

import type { AnswerSelection } from '../data/answer-selection.js';
import type { VizWizRecord } from '../data/types.js';
import type { SessionOptions } from '../engine/graph-session.js';
import { toFloat16 } from '../engine/half.js';
import { buildInference, type ComputeDType } from '../engine/inference.js';
import { placementFor } from '../engine/weights.js';
import { InferenceRunner } from '../engine/inference-runner.js';
import { evaluate } from '../eval/evaluate.js';
import type { LoraSet } from '../models/lora/adapters.js';
import { loraParamSpecs } from '../models/lora/adapters.js';
import { paligemmaLoraModel } from '../models/lora/paligemma-lora.js';
import { paligemmaFeeds } from '../models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../models/paligemma/generate.js';
import { LOSS_ROWS } from '../models/paligemma/inputs.js';
import { selectedRowsLoss } from '../models/paligemma/loss.js';
import type { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import type { LoadedPaliGemma } from '../models/paligemma/weights.js';
import { answerQuestions, type GeneratedAnswer } from './answers.js';
import { MergedWeights } from './merged-weights.js';
import type { PixelLoader } from './pixels.js';
import { mostCommonAnswers } from './targets.js';

export interface ValidationResult {
  /** Official VizWiz accuracy, percent (2 decimals). */
  accuracy: number;
  /** Mean token cross-entropy of the most common answers. */
  loss: number;
  answers: GeneratedAnswer[];
}

export interface ValidatorOptions {
  batchSize: number;
  maxNewTokens: number;
  /** How the loss's target answer is chosen among the ten (the fine-tune's rule). */
  answerSelection: AnswerSelection;
  session?: SessionOptions;
  /**
   * The run's compute dtype (default float32): float16 answers with the float16 generator (as `predict --dtype f16`)
   * and scores the loss with the float16 graph (the loss itself in float32).
   */
  dtype?: ComputeDType;
}

/**
 * Whether the generator's sessions copy the weights - a GPU binds them as initializers, float16 converts them once -
 * so that each run needs a new one.
 */
function rebuilds(o: ValidatorOptions): boolean {
  return placementFor(o.session?.device, o.session?.placement) === 'initializers' || o.dtype === 'float16';
}

export class Validator {
  private constructor(
    private readonly m: LoadedPaliGemma,
    private readonly proc: PaliGemmaProcessor,
    private readonly records: readonly VizWizRecord[],
    private readonly pixels: PixelLoader,
    private readonly o: ValidatorOptions,
    private readonly merged: MergedWeights,
    /** null on a GPU until the first run (it is rebuilt at every run there). */
    private generator: PaliGemmaGenerator | null,
    private readonly lossRunner: InferenceRunner,
    /** Float32 arrays, or float16 bits for a float16 loss graph (the runner would convert float32 ones only once). */
    private readonly adapterArrays: Map<string, Float32Array | Uint16Array>,
    private readonly targets: string[],
  ) {}

  static async create(
    m: LoadedPaliGemma,
    set: LoraSet,
    proc: PaliGemmaProcessor,
    records: readonly VizWizRecord[],
    pixels: PixelLoader,
    o: ValidatorOptions,
  ): Promise<Validator> {
    const merged = new MergedWeights(m.weights, set);
    const generator = rebuilds(o) ? null : await Validator.generatorOver(m, merged, o);
    const half = o.dtype === 'float16';
    const adapterArrays = new Map<string, Float32Array | Uint16Array>(
      loraParamSpecs(set).map((s) => {
        const n = s.shape.reduce((a, b) => a * b, 1);
        return [s.name, half ? new Uint16Array(n) : new Float32Array(n)];
      }),
    );
    const graph = buildInference(paligemmaLoraModel(m.config, m.prefixes, set), {
      outputs: [],
      loss: selectedRowsLoss(),
      ...(half ? { dtype: 'float16' } : {}),
    });
    // Adapters and base weights are all constant here; the adapter arrays are refreshed in place before each run.
    const lossRunner = await InferenceRunner.create(graph, new Map([...m.weights, ...adapterArrays]), { ...o.session, mutable: adapterArrays.keys() });
    return new Validator(m, proc, records, pixels, o, merged, generator, lossRunner, adapterArrays, mostCommonAnswers(records, o.answerSelection));
  }

  /** The generator over the merged weights as they are now. */
  private static generatorOver(m: LoadedPaliGemma, merged: MergedWeights, o: ValidatorOptions): Promise<PaliGemmaGenerator> {
    return PaliGemmaGenerator.create(m.config, m.prefixes, merged.weights, { session: o.session, ...(o.dtype === 'float16' ? { dtype: 'float16' } : {}) });
  }

  async run(adapters: ReadonlyMap<string, Float32Array>): Promise<ValidationResult> {
    this.merged.update(adapters);
    if (rebuilds(this.o)) {
      // The sessions' copy of the weights is the old merge: rebuild them over the new one.
      const old = this.generator;
      this.generator = null;
      await old?.dispose();
      this.generator = await Validator.generatorOver(this.m, this.merged, this.o);
    }
    const generator = this.generator as PaliGemmaGenerator;
    for (const [name, a] of this.adapterArrays) {
      const v = adapters.get(name) ?? new Float32Array(a.length);
      if (a instanceof Uint16Array) a.set(toFloat16(v));
      else a.set(v);
    }
    const answers = await answerQuestions(generator, this.proc, this.pixels, this.records, {
      batchSize: this.o.batchSize,
      maxNewTokens: this.o.maxNewTokens,
    });
    const predictions = this.records.map((r, i) => ({ image: r.image, answer: answers[i]?.answer ?? '' }));
    const accuracy = evaluate(this.records, predictions, { metric: 'official' }).overall;
    return { accuracy, loss: await this.loss(), answers };
  }

  private async loss(): Promise<number> {
    let sum = 0;
    let tokens = 0;
    for (let i = 0; i < this.records.length; i += this.o.batchSize) {
      const rs = this.records.slice(i, i + this.o.batchSize);
      const images = await this.pixels.many(rs.map((r) => r.image));
      const batch = this.proc.encode(
        rs.map((r, k) => ({ image: images[k] as Float32Array, question: r.question, answer: this.targets[i + k] ?? '' })),
        { train: true },
      );
      const feeds = paligemmaFeeds(this.m.config, batch);
      const out = await this.lossRunner.run(feeds, ['loss']);
      const n = feeds[LOSS_ROWS]?.dims[0] ?? 0;
      sum += n * (out.loss!.floats()[0] as number);
      tokens += n;
    }
    return sum / tokens;
  }

  async dispose(): Promise<void> {
    await this.generator?.dispose();
    await this.lossRunner.dispose();
  }
}
