/**
 * `vizwiz compare --quantize int8|int4`: each model whose inference can run with block-quantized weights answers the
 * validation questions a second time that way, beside its float32 answers (which stay exactly as they are).
 *   PaliGemma + LoRA   the fine-tuned run's best adapter, in float32 on top of the quantized base (predictPaligemma)
 *   CLIP heads         the head trained on float32 features answers from validation features extracted again with
 *                      CLIP's vision tower quantized - the number a quantized deployment gets; the head is not retrained
 * Models without quantizable weights (the question prior, the ResNet-50 baseline, a server) get no quantized answers.
 * Each quantized stage is a run folder of its own, OUT/runs/<id>-<scheme>-<key>/ (run-cache.ts), keyed by the float
 * run's key, the scheme's parameters and, for a head, the quantized features' key: a rerun reuses it, another scheme
 * computes only the quantized stages again. Why this way: docs/decisions/010-quantization.md.
 */
import { join } from 'node:path';
import type { Prediction, VizWizRecord } from '../data/types.js';
import { QUANT_SCHEMES, type QuantSchemeName } from '../engine/block-quantize.js';
import type { Device } from '../engine/device.js';
import type { OnCorrupt } from '../features/extract.js';
import { predictPaligemma } from '../finetune/index.js';
import type { BaseInput } from '../finetune/base.js';
import { predictHead } from '../train/predict.js';
import { CheckedImageSource } from './checked-images.js';
import type { CompareData } from './data.js';
import type { FeatureFiles } from './features.js';
import { finishedPredictions, openRun, publishPredictions, savePredictions } from './run-cache.js';

/** A model's answers with quantized weights. */
export interface QuantizedRun {
  scheme: QuantSchemeName;
  predictions: Prediction[];
  /** OUT/predictions/val.<id>-<scheme>.json. */
  predictionsFile: string;
  /** The run folder and the stage key of its inputs. */
  run: { folder: string; key: string };
}

interface QuantizedStage {
  id: string;
  scheme: QuantSchemeName;
  out: string;
  /** The stage key of the float32 run the quantized answers come from. */
  floatKey: string;
  device: Device;
  threads?: number;
  log: (line: string) => void;
}

/** The cached answers of the stage with `inputs`, else the answers `answer` gives (then cached). */
async function quantizedStage(s: QuantizedStage, inputs: Record<string, unknown>, answer: () => Promise<Prediction[]>): Promise<QuantizedRun> {
  const id = `${s.id}-${s.scheme}`;
  const run = await openRun(s.out, id, { ...inputs, format: 1, float: s.floatKey, quantize: { scheme: s.scheme, ...QUANT_SCHEMES[s.scheme] } });
  let predictions = await finishedPredictions(run);
  if (predictions) s.log(`${id}: reused ${run.dir}`);
  else {
    predictions = await answer();
    await savePredictions(run, predictions);
    s.log(`${id}: predictions -> ${run.published}`);
  }
  await publishPredictions(run, predictions);
  return { scheme: s.scheme, predictions, predictionsFile: run.published, run: { folder: run.dir, key: run.key } };
}

/** A float-trained head (its run folder `checkpoint`) answering from quantized-encoder validation features. */
export function quantizedHead(
  s: QuantizedStage,
  checkpoint: string,
  val: { records: readonly VizWizRecord[]; identity: string; features: FeatureFiles },
): Promise<QuantizedRun> {
  return quantizedStage(s, { stage: 'head-quantized', val: { records: val.identity, features: val.features.key } }, () =>
    predictHead({
      checkpoint,
      questions: val.records,
      features: val.features.set,
      source: val.features.file,
      device: s.device,
      ...(s.threads ? { threads: s.threads } : {}),
    }),
  );
}

/** The fine-tuned run's best adapter (float32) on the base quantized with the stage's scheme. */
export function quantizedPaligemma(s: QuantizedStage, data: CompareData, base: BaseInput, runDir: string, onCorrupt: OnCorrupt): Promise<QuantizedRun> {
  // the float run's key covers the base, the fine-tune configuration and both splits
  return quantizedStage(s, { stage: 'paligemma-quantized' }, async () => {
    const images = await CheckedImageSource.open(data.val.images, data.val.records, onCorrupt);
    return predictPaligemma({
      base,
      adapter: join(runDir, 'best'),
      questions: data.val.records,
      images,
      device: s.device,
      ...(s.threads ? { threads: s.threads } : {}),
      quantize: s.scheme,
      log: (line) => s.log(`${s.id}-${s.scheme}: ${line}`),
    });
  });
}
