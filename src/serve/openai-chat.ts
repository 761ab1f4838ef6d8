/**
 * The OpenAI chat-completions mapping, as vLLM, llama.cpp's server and Ollama accept images: the request's `messages`
 * are read with zod; the question is the text of the last user message and the photo the most recent `image_url`
 * part of any user message (so a follow-up question can ask about the same photo); the reply's assistant message is
 * the model's answer as it is (what evaluation clients such as `vizwiz predict --endpoint` score), and a `vizwiz`
 * object adds the answerability, the quality flags and `message`, the sentence the page reads aloud. Streaming sends
 * `chat.completion.chunk` objects as server-sent events (role, content, finish) and ends with `data: [DONE]`.
 * Photos must be data: URLs unless remote images are enabled (nothing leaves the server by default).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AnswerResult } from './answer-service.js';
import { HttpError } from './http-error.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() })]),
});
const part = z.union([textPart, imagePart, z.object({ type: z.string() })]);
const message = z.object({
  role: z.string(),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
});
const chatRequestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(message).min(1, 'needs at least one message'),
  stream: z.boolean().nullable().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface ChatQuestion {
  question: string;
  /** The photo's URL as sent: a data: URL, or http(s) (fetched only when allowed). */
  imageUrl: string;
  stream: boolean;
}

/** zod's first problem as "messages[0].content: ..." */
export function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || '(body)';
  return { path, message: issue?.message ?? 'invalid' };
}

export function chatQuestion(body: unknown): ChatQuestion {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const { path, message: problem } = firstIssue(parsed.error);
    throw new HttpError(422, 'invalid_request', `${path}: ${problem} (expected an OpenAI chat completion request with messages)`, undefined, path);
  }
  const users = parsed.data.messages.filter((m) => m.role === 'user');
  const last = users[users.length - 1];
  if (!last)
    throw new HttpError(422, 'missing_question', 'messages has no user message; send the question as a user message with the photo', undefined, 'messages');
  const parts = (m: (typeof users)[number]) => (typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : (m.content ?? []));
  const unknown = parts(last).find((p) => p.type !== 'text' && p.type !== 'image_url');
  if (unknown)
    throw new HttpError(422, 'invalid_request', `content part type "${unknown.type}" is not supported; send text and image_url parts`, undefined, 'messages');
  const question = parts(last)
    .flatMap((p) => (p.type === 'text' && 'text' in p ? [p.text] : []))
    .join(' ')
    .trim();
  let imageUrl: string | undefined;
  for (const m of users) {
    for (const p of parts(m)) if (p.type === 'image_url' && 'image_url' in p) imageUrl = typeof p.image_url === 'string' ? p.image_url : p.image_url.url;
  }
  if (imageUrl === undefined) {
    throw new HttpError(
      422,
      'missing_image',
      'no photo: add an image_url content part with the photo as a data: URL (data:image/jpeg;base64,...)',
      undefined,
      'messages',
    );
  }
  return { question, imageUrl, stream: parsed.data.stream === true };
}

export interface Completion {
  id: string;
  created: number;
  model: string;
}

export function newCompletion(model: string): Completion {
  return { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model };
}

/**
 * The toolkit's extra fields: the answerability, the quality flags with their advice, and `message`, the sentence the
 * page reads to the user (the answer plus what to fix in the photo).
 */
function extension(r: AnswerResult): Record<string, unknown> {
  return { answer: r.answer, answerable: r.answerable, quality: r.quality, message: r.message, latency_ms: r.latency_ms };
}

export function completionBody(c: Completion, r: AnswerResult): Record<string, unknown> {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    // The assistant message is the model's answer as it is, as any OpenAI-compatible VQA server returns it.
    choices: [{ index: 0, message: { role: 'assistant', content: r.answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    vizwiz: extension(r),
  };
}

/** The chunks of a streamed reply: the role, the content, then the finish reason (with the vizwiz object). */
export function completionChunks(c: Completion, r: AnswerResult): Record<string, unknown>[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
    id: c.id,
    object: 'chat.completion.chunk',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  });
  return [chunk({ role: 'assistant', content: '' }, null), chunk({ content: r.answer }, null), chunk({}, 'stop', { vizwiz: extension(r) })];
}

/** Server-sent events text of the chunks, closed by `data: [DONE]`. */
export function sseText(chunks: readonly Record<string, unknown>[]): string {
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}
