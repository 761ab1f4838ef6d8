/**
 * Validation of a classifier head during training and prediction afterwards: one forward pass over the split with
 * the inference graph (dropout absent). Rows whose target is in the vocabulary go through the graph that also
 * computes the loss (the validation loss is their mean); the other rows only need logits. Both runners read
 * parameter buffers owned here, so refreshing them after an epoch is a copy, not a new session.
 */
import type { SessionOptions } from '../engine/graph-session.js';
import { buildInference } from '../engine/inference.js';
import { InferenceRunner } from '../engine/inference-runner.js';
import type { LossDef, ModelDef } from '../engine/model.js';
import { BatchAssembler, batchesOf, type FeatureInputs } from './batches.js';
import type { Labels } from './labels.js';

export interface HeadOutputs {
  /** [rows, classes] answer logits, in split order. */
  answerLogits: Float32Array;
  /** [rows] answerability logits. */
  answerableLogits: Float32Array;
  /** Mean total loss over the rows with a known target (NaN when there are none or no labels). */
  loss: number;
}

const OUTPUTS = ['answer_logits', 'answerable_logit'] as const;

export class HeadEvaluator {
  private constructor(
    private readonly model: ModelDef,
    private readonly loss: LossDef,
    private readonly params: Map<string, Float32Array>,
    private readonly withLoss: InferenceRunner,
    private readonly plain: InferenceRunner,
    /** Number of answer classes. */
    private readonly classes: number,
  ) {}

  static async create(
    model: ModelDef,
    loss: LossDef,
    classes: number,
    params: ReadonlyMap<string, Float32Array>,
    o: SessionOptions = {},
  ): Promise<HeadEvaluator> {
    const own = new Map([...params].map(([k, v]) => [k, Float32Array.from(v)]));
    // setParams refreshes the arrays in place after each epoch: they are fed with every run on any device.
    const withLoss = await InferenceRunner.create(buildInference(model, { loss, outputs: OUTPUTS }), own, { ...o, mutable: own.keys() });
    const plain = await InferenceRunner.create(buildInference(model, { outputs: OUTPUTS }), own, { ...o, mutable: own.keys() });
    return new HeadEvaluator(model, loss, own, withLoss, plain, classes);
  }

  /** Copies new parameter values into the buffers the sessions read. */
  setParams(params: ReadonlyMap<string, Float32Array>): void {
    for (const [name, data] of params) this.params.get(name)?.set(data);
  }

  async run(inputs: FeatureInputs, rows: number, labels: Labels | undefined, batchSize: number): Promise<HeadOutputs> {
    const answerLogits = new Float32Array(rows * this.classes);
    const answerableLogits = new Float32Array(rows);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let r = 0; r < rows; r++) (labels && labels.answer[r]! >= 0 ? known : unknown).push(r);
    let lossSum = 0;
    const modelInputs = this.model.inputs.map((i) => i.name);
    const lossInputs = [...modelInputs, ...this.loss.inputs.map((i) => i.name)];
    const passes: [number[], InferenceRunner, string[]][] = [
      [known, this.withLoss, lossInputs],
      [unknown, this.plain, modelInputs],
    ];
    for (const [subset, runner, names] of passes) {
      if (subset.length === 0) continue;
      const assembler = new BatchAssembler(inputs, labels, names);
      for (const batch of batchesOf(Int32Array.from(subset), batchSize)) {
        const out = await runner.run(assembler.gather(batch));
        const c = this.classes;
        const data = out.answer_logits!.floats();
        const ans = out.answerable_logit!.floats();
        batch.forEach((r, i) => {
          answerLogits.set(data.subarray(i * c, (i + 1) * c), r * c);
          answerableLogits[r] = ans[i]!;
        });
        if (runner === this.withLoss) lossSum += (out[this.loss.totalName]!.floats()[0] as number) * batch.length;
      }
    }
    return { answerLogits, answerableLogits, loss: known.length > 0 ? lossSum / known.length : Number.NaN };
  }

  async dispose(): Promise<void> {
    await this.withLoss.dispose();
    await this.plain.dispose();
  }
}
