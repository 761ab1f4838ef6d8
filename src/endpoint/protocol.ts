/**
 * The OpenAI chat-completions protocol as vLLM, llama.cpp's server, Ollama, LM Studio and `vizwiz serve` speak it:
 * one non-streaming request per question, a user message with the prompt as a text part and the image as an
 * `image_url` part holding a base64 data URL, greedy decoding (temperature 0); the answer is
 * `choices[0].message.content`. A body that is not that shape is a MalformedResponse, which the client retries.
 */

export interface ChatRequest {
  model: string;
  messages: [{ role: 'user'; content: [{ type: 'text'; text: string }, { type: 'image_url'; image_url: { url: string } }] }];
  max_tokens: number;
  temperature: 0;
  stream: false;
}

export function chatRequest(model: string, prompt: string, imageUrl: string, maxTokens: number): ChatRequest {
  return {
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: prompt },
          { type: 'image_url', image_url: { url: imageUrl } },
        ],
      },
    ],
    max_tokens: maxTokens,
    temperature: 0,
    stream: false,
  };
}

/** The media type of an encoded image, from its first bytes (JPEG, PNG, GIF, WebP, BMP); JPEG when unknown. */
function imageMediaType(bytes: Uint8Array): string {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  return 'image/jpeg';
}

/** The image as a data URL (the bytes as they are on disk: the server decodes them as it would a download). */
export function imageDataUrl(bytes: Uint8Array): string {
  return `data:${imageMediaType(bytes)};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** A response body that is not a chat completion (truncated, HTML from a proxy, another shape). */
export class MalformedResponse extends Error {
  override readonly name = 'MalformedResponse';
}

/** The answer text of a chat-completion body; throws MalformedResponse when the body is not one. */
export function parseChatResponse(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedResponse(`not JSON: ${JSON.stringify(body.slice(0, 60))}`);
  }
  const choice = (json as { choices?: unknown[] } | null)?.choices?.[0] as { message?: { content?: unknown } } | undefined;
  const content = choice?.message?.content;
  if (typeof content === 'string') return content;
  if (content === null) return '';
  // some servers answer with content parts
  if (Array.isArray(content) && content.every((p) => typeof (p as { text?: unknown })?.text === 'string')) {
    return content.map((p) => (p as { text: string }).text).join('');
  }
  throw new MalformedResponse('no choices[0].message.content');
}

/** The `error.message` of an OpenAI-style error body, else its start. */
export function errorMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown }) ?? {};
    if (typeof message.error === 'string') return message.error;
    if (typeof message.error?.message === 'string') return message.error.message;
    if (typeof message.message === 'string') return message.message;
  } catch {
    // not JSON
  }
  return body.slice(0, 200).trim() || '(empty body)';
}
