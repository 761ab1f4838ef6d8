/**
 * A hosted model as a row of the comparison: the model an OpenAI-compatible server serves (vLLM with PaliGemma,
 * llama.cpp, Ollama, `vizwiz serve`) answers every validation question (src/endpoint/); nothing is trained. The run
 * folder is keyed (run-cache.ts) by the model name, the prompt preset, the decoding settings and the validation
 * records and images - not by the server's URL, so a model served from another host reuses its answers. The answers
 * are cached in the run folder as they arrive (responses.jsonl), so an interrupted comparison resumes without asking
 * again.
 */
import { join } from 'node:path';
import { predictEndpoint } from '../endpoint/predict.js';
import { PROMPT_PRESETS, type PresetName } from '../endpoint/prompts.js';
import type { CompareData } from './data.js';
import type { ModelRun } from './heads.js';
import { finishedPredictions, openRun, publishPredictions, savePredictions } from './run-cache.js';

export interface EndpointSettings {
  /** The server's OpenAI base URL, e.g. http://localhost:8000/v1. */
  url: string;
  /** The model name the server knows. */
  model: string;
  prompt?: PresetName;
  concurrency?: number;
  maxTokens?: number;
  apiKey?: string;
}

export interface EndpointStageOptions {
  id: string;
  /** With {model} to fill in. */
  label: string;
  /** With {model}, {url} and {prompt} to fill in. */
  description: string;
  out: string;
  endpoint: EndpointSettings;
  log: (line: string) => void;
}

const DEFAULT_MAX_TOKENS = 8;

export async function runEndpoint(data: CompareData, o: EndpointStageOptions): Promise<ModelRun> {
  const { url, model } = o.endpoint;
  const preset = PROMPT_PRESETS[o.endpoint.prompt ?? 'paligemma'];
  const maxTokens = o.endpoint.maxTokens ?? DEFAULT_MAX_TOKENS;
  const config = { model, prompt: preset.id, maxTokens, temperature: 0 };
  const run = await openRun(o.out, o.id, { stage: 'endpoint', format: 1, ...config, val: data.val.identity });
  let predictions = await finishedPredictions(run);
  const started = performance.now();
  if (predictions) o.log(`${o.id}: reused ${run.dir}`);
  else {
    const result = await predictEndpoint({
      endpoint: url,
      model,
      prompt: preset.name,
      questions: data.val.records,
      images: data.val.images,
      cacheFile: join(run.dir, 'responses.jsonl'),
      maxTokens,
      ...(o.endpoint.concurrency !== undefined ? { concurrency: o.endpoint.concurrency } : {}),
      ...(o.endpoint.apiKey ? { apiKey: o.endpoint.apiKey } : {}),
      log: o.log,
    });
    predictions = result.predictions;
    await savePredictions(run, predictions);
    o.log(`${o.id}: ${result.asked} questions asked of ${url}, ${result.cached} from the cache -> ${run.published}`);
  }
  await publishPredictions(run, predictions);
  const fill = (text: string): string => text.replace('{model}', model).replace('{url}', url).replace('{prompt}', preset.id);
  return {
    id: o.id,
    label: fill(o.label),
    description: fill(o.description),
    config: { ...config, endpoint: url },
    seed: 0,
    prompt: { id: preset.id, template: preset.template },
    run: { folder: run.dir, key: run.key },
    predictions,
    predictionsFile: run.published,
    timings: { predict: (performance.now() - started) / 1000 },
  };
}
