/**
 * Running a quality head: the inference graph of src/models/heads/quality.ts (no dropout) over parameter buffers
 * owned here, so the trainer can refresh them after each epoch with a copy instead of a new session, and a trained
 * head folder (results.json + best/params.safetensors, see quality.ts) can be loaded for prediction and serving.
 */
import { buildInference } from '../engine/inference.js';
import { InferenceRunner } from '../engine/inference-runner.js';
import { type SessionOptions } from '../engine/graph-session.js';
import type { ModelDef } from '../engine/model.js';
import { QUALITY_FLAGS } from '../data/quality-labels.js';
import { sigmoid } from './decode.js';
import { BatchAssembler, batchesOf } from './batches.js';

export class QualityPredictor {
  private constructor(
    private readonly model: ModelDef,
    private readonly params: Map<string, Float32Array>,
    private readonly runner: InferenceRunner,
    readonly imageDim: number,
  ) {}

  static async create(model: ModelDef, params: ReadonlyMap<string, Float32Array>, o: SessionOptions = {}): Promise<QualityPredictor> {
    const own = new Map([...params].map(([k, v]) => [k, Float32Array.from(v)]));
    // setParams refreshes the arrays in place: they are fed with every run on any device.
    const runner = await InferenceRunner.create(buildInference(model, { outputs: ['quality_logits'] }), own, { ...o, mutable: own.keys() });
    const imageDim = Number(model.inputs[0]?.shape[1]);
    return new QualityPredictor(model, own, runner, imageDim);
  }

  /** Copies new parameter values into the buffers the session reads. */
  setParams(params: ReadonlyMap<string, Float32Array>): void {
    for (const [name, data] of params) this.params.get(name)?.set(data);
  }

  /** Flag probabilities [rows, QUALITY_FLAGS.length] of `rows` image-feature rows stored back to back. */
  async predict(image: Float32Array, rows: number, batchSize = 256): Promise<Float32Array> {
    const f = QUALITY_FLAGS.length;
    const out = new Float32Array(rows * f);
    const assembler = new BatchAssembler(
      { image_feat: { data: image, rows, dim: this.imageDim } },
      undefined,
      this.model.inputs.map((i) => i.name),
    );
    const all = Int32Array.from({ length: rows }, (_, i) => i);
    for (const batch of batchesOf(all, batchSize)) {
      const logits = (await this.runner.run(assembler.gather(batch))).quality_logits?.data as Float32Array;
      batch.forEach((r, i) => {
        for (let k = 0; k < f; k++) out[r * f + k] = sigmoid(logits[i * f + k]!);
      });
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}
