/**
 * A hosted model as a peer: every question goes with its image to an OpenAI-compatible server (vLLM, llama.cpp's
 * server, Ollama, `vizwiz serve`), `concurrency` requests at a time, and the answers come back as official submission
 * entries, post-processed exactly as the toolkit's own PaliGemma answers are (src/finetune/answers.ts: the text through
 * the official normaliser, src/text/normalize.ts), so `vizwiz eval` and the comparison score them alike.
 * - Resumable: answers are cached as they arrive (cache.ts); a rerun asks only what is not in the cache.
 * - Robust: transient failures are retried with back-off (client.ts, retry.ts); if a question still fails, the
 *   requests in flight finish (and are cached) before the run stops with an error naming it.
 * - No `answerable`: the protocol gives no probability of a fixed answer ("unanswerable") that is not generated, so
 *   the entries carry answers only and answerability is not scored for these models.
 */
import { createHash } from 'node:crypto';
import type { ImageSource } from '../data/image-source.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import { createProgressBar, progressWanted, SILENT_PROGRESS, type ProgressReporter } from '../features/progress.js';
import { selectShard } from '../shards/assign.js';
import { jsonFingerprint } from '../shards/fingerprint.js';
import type { ShardSpec } from '../shards/spec.js';
import { normalizeAnswer } from '../text/normalize.js';
import { ResponseCache } from './cache.js';
import { ChatClient } from './client.js';
import { PROMPT_PRESETS, renderPreset, type PresetName, type PromptPreset } from './prompts.js';
import { chatRequest, imageDataUrl } from './protocol.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';

export interface EndpointPredictOptions {
  /** The server's OpenAI base URL, e.g. http://localhost:8000/v1. */
  endpoint: string;
  /** The model name the server knows (vLLM: the repo id or --served-model-name). */
  model: string;
  /** Prompt preset (default paligemma). */
  prompt?: PresetName;
  questions: readonly VizWizQuestion[];
  images: ImageSource;
  /** The JSONL response cache. */
  cacheFile: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Longest answer in tokens (default 8, as `vizwiz predict --model paligemma`). */
  maxTokens?: number;
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  /** true: a bar on stderr; false: none; default: a bar when stderr is a TTY and CI is unset; or a reporter. */
  progress?: boolean | ProgressReporter;
  /** Answer only this shard's questions (in annotation order). */
  shard?: ShardSpec;
  /** Notes (a torn cache line); default stderr. */
  log?: (line: string) => void;
  /** Test seams. */
  fetch?: typeof fetch;
  random?: () => number;
}

export interface EndpointPredictResult {
  predictions: Prediction[];
  /** The server's text per prediction, before normalisation. */
  raw: string[];
  preset: PromptPreset;
  /** Questions sent to the server by this run, and answers taken from the cache. */
  asked: number;
  cached: number;
  /** Requests repeated after a transient failure. */
  retries: number;
}

const DEFAULT_MAX_TOKENS = 8;

/** What decides a hosted model's answers, as a fingerprint: a prediction shard's model half. */
export function endpointFingerprint(model: string, preset: PromptPreset, maxTokens = DEFAULT_MAX_TOKENS): string {
  return jsonFingerprint({ format: 'endpoint/1', model, prompt: [preset.id, preset.template, preset.question], maxTokens, temperature: 0 });
}

/** The cache key of one question: model, preset, the exact prompt, the image's bytes and the decoding settings. */
function answerKey(model: string, preset: PromptPreset, prompt: string, image: Buffer, maxTokens: number): string {
  const imageHash = createHash('sha256').update(image).digest('hex');
  return jsonFingerprint(['endpoint-answer/1', model, preset.id, prompt, imageHash, maxTokens, 0]);
}

function reporter(option: boolean | ProgressReporter | undefined): ProgressReporter {
  if (typeof option === 'object') return option;
  return (option ?? progressWanted()) ? createProgressBar('predict', 'questions') : SILENT_PROGRESS;
}

export async function predictEndpoint(o: EndpointPredictOptions): Promise<EndpointPredictResult> {
  const preset = PROMPT_PRESETS[o.prompt ?? 'paligemma'];
  const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  const concurrency = o.concurrency ?? 4;
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let retries = 0;
  const client = new ChatClient({
    endpoint: o.endpoint,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    retry: { ...DEFAULT_RETRY, ...o.retry },
    onRetry: () => void retries++,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.random ? { random: o.random } : {}),
  });
  const { items: questions } = selectShard(o.questions, o.shard);
  const prompts = questions.map((q) => renderPreset(preset, q.question));
  const raw = new Array<string | undefined>(questions.length);
  const cache = await ResponseCache.open(o.cacheFile, log);
  const progress = reporter(o.progress);
  try {
    // the keys need the image bytes: one pass reads them all, so the bar knows what is left
    const keys: string[] = [];
    const todo: number[] = [];
    for (let i = 0; i < questions.length; i++) {
      keys.push(answerKey(o.model, preset, prompts[i]!, await o.images.read(questions[i]!.image), maxTokens));
      const hit = cache.get(keys[i]!);
      if (hit) raw[i] = hit.content;
      else todo.push(i);
    }
    const cached = questions.length - todo.length;
    progress.start(questions.length, cached);
    let done = cached;
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (next < todo.length && failure === undefined) {
        const i = todo[next++]!;
        const q = questions[i]!;
        try {
          const image = await o.images.read(q.image);
          const answer = await client.complete(chatRequest(o.model, prompts[i]!, imageDataUrl(image), maxTokens), `question ${q.image}`);
          raw[i] = answer.content;
          await cache.append({ key: keys[i]!, image: q.image, content: answer.content, model: o.model, prompt: preset.id, at: new Date().toISOString() });
          progress.update(++done);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
    if (failure !== undefined) throw failure;
    const texts = raw as string[];
    return {
      predictions: questions.map((q, i) => ({ image: q.image, answer: normalizeAnswer(texts[i]!) })),
      raw: texts,
      preset,
      asked: todo.length,
      cached,
      retries,
    };
  } finally {
    progress.stop();
    await cache.close();
  }
}
