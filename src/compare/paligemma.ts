/**
 * The generative model of the comparison: PaliGemma fine-tuned with LoRA (the seed report's 0.725 model), then its
 * best adapter answers the validation split. With real data the base is hf:google/paligemma-3b-pt-224 (or
 * --paligemma-model) with the seed report's settings (lr 1e-4, 10 epochs); the embedded default fine-tunes a tiny
 * random PaliGemma of the real architecture that the project writes itself, with a larger learning rate.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSubmission, writeSubmission } from '../eval/submission.js';
import { finetunePaligemma, predictPaligemma, type FinetuneConfigInput, type FinetuneResult } from '../finetune/index.js';
import { promptTemplate } from '../models/paligemma/index.js';
import { sampleQuestionAnswers } from '../data/sample/texts.js';
import { writeTinyPaligemma } from '../models/paligemma/tiny.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import type { EpochRecord } from '../train/trainer.js';
import type { CompareData } from './data.js';
import type { ModelRun } from './heads.js';

export const PALIGEMMA_DEFAULT_SOURCE = 'hf:google/paligemma-3b-pt-224';

export interface PaligemmaStageOptions {
  out: string;
  /** Model source; undefined = the embedded tiny model. */
  source: string | undefined;
  config: FinetuneConfigInput;
  offline?: boolean;
  log: (line: string) => void;
}

async function baseFolder(o: PaligemmaStageOptions): Promise<{ dir: string; source: string }> {
  if (o.source === undefined) {
    const dir = join(o.out, 'models', 'tiny-paligemma');
    if (!existsSync(join(dir, 'config.json'))) await writeTinyPaligemma(dir, sampleQuestionAnswers(), (o.config.seed ?? 0) + 3);
    return { dir, source: dir };
  }
  const resolved = await resolveModelSource(o.source, o.offline ? { offline: true } : {});
  return { dir: resolved.dir, source: resolved.source };
}

export async function runPaligemma(data: CompareData, o: PaligemmaStageOptions): Promise<ModelRun> {
  const base = await baseFolder(o);
  const runDir = join(o.out, 'runs', 'paligemma');
  const predictionsFile = join(o.out, 'predictions', 'val.paligemma.json');
  const finished = join(runDir, 'results.json');
  // A finished run (results.json written) with its predictions is not touched again.
  const result: Pick<FinetuneResult, 'config' | 'history'> =
    existsSync(finished) && existsSync(predictionsFile)
      ? (JSON.parse(await readFile(finished, 'utf8')) as Pick<FinetuneResult, 'config' | 'history'>)
      : await finetunePaligemma({
          out: runDir,
          base,
          train: data.train,
          val: data.val,
          config: o.config,
          log: (line) => o.log(`paligemma: ${line}`),
        });
  if (!existsSync(predictionsFile)) {
    const predictions = await predictPaligemma({
      base,
      adapter: join(runDir, 'best'),
      questions: data.val.records,
      images: data.val.images,
      device: result.config.device,
      ...(result.config.threads ? { threads: result.config.threads } : {}),
    });
    await writeSubmission(predictionsFile, predictions);
    o.log(`paligemma: predictions -> ${predictionsFile}`);
  }
  const zeroShot = result.history.find((e) => e.epoch === 0);
  const history: EpochRecord[] = result.history
    .filter((e) => e.epoch > 0)
    .map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss ?? Number.NaN, valLoss: e.valLoss, valAccuracy: e.valAccuracy, lr: e.lr ?? 0, seconds: e.seconds }));
  const template = promptTemplate(result.config.prompt);
  return {
    id: 'paligemma',
    label: 'PaliGemma + LoRA',
    description:
      `PaliGemma (${base.source}) fine-tuned with LoRA r ${result.config.lora.r}, alpha ${result.config.lora.alpha}; greedy answers` +
      (zeroShot ? `; zero-shot val accuracy before fine-tuning ${zeroShot.valAccuracy.toFixed(2)}` : ''),
    config: result.config,
    seed: result.config.seed,
    prompt: { id: template.id, template: template.template },
    history,
    predictions: await readSubmission(predictionsFile),
    predictionsFile,
    timings: { train: history.reduce((sum, e) => sum + e.seconds, 0) },
  };
}
