/**
 * The results file of a hosted-model run, `<predictions stem>.results.json` beside the predictions: the server, the
 * model, the prompt preset (id and text), the decoding settings, how many answers came from the server and from the
 * cache, the official evaluation when the annotations carry answers, and provenance (versions, git commit).
 */
import type { EvaluationSummary } from '../eval/format.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { Provenance } from '../provenance.js';
import type { EndpointPredictResult } from './predict.js';

/** `a/preds.json` -> `a/preds.results.json`. */
export function resultsPathFor(predictions: string): string {
  return `${predictions.replace(/\.json$/, '')}.results.json`;
}

export interface EndpointRunInfo {
  endpoint: string;
  model: string;
  maxTokens: number;
  concurrency: number;
  cacheFile: string;
  /** "i/n" for a shard. */
  shard?: string;
  result: EndpointPredictResult;
  evaluation?: EvaluationSummary;
  provenance: Provenance;
}

export async function writeEndpointResults(file: string, r: EndpointRunInfo): Promise<void> {
  const { preset } = r.result;
  await writeJsonAtomic(file, {
    format: 'vizwiz-endpoint-results/1',
    endpoint: r.endpoint,
    model: r.model,
    prompt: { preset: preset.name, id: preset.id, template: preset.template, question: preset.question },
    decoding: { maxTokens: r.maxTokens, temperature: 0 },
    concurrency: r.concurrency,
    ...(r.shard ? { shard: r.shard } : {}),
    questions: r.result.predictions.length,
    asked: r.result.asked,
    cached: r.result.cached,
    retries: r.result.retries,
    cache: r.cacheFile,
    ...(r.evaluation ? { evaluation: r.evaluation } : {}),
    provenance: r.provenance,
  });
}
