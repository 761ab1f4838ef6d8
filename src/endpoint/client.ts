/**
 * The HTTP client of an OpenAI-compatible server: POST {base}/chat/completions with Node's fetch, one request per
 * call, each attempt bounded by a time-out, transient failures retried with back-off (retry.ts). Written on fetch
 * rather than the `openai` package because every failure mode must be under our control and visible in tests: the
 * package retries on its own schedule, and a 200 with a malformed body is an error it does not retry. The protocol
 * (protocol.ts) is the one the package speaks.
 */
import { VizWizError } from '../errors.js';
import { errorMessage, MalformedResponse, parseChatResponse, type ChatRequest } from './protocol.js';
import { backoffMs, isRetryableStatus, serverDelayMs, type RetryPolicy } from './retry.js';

export interface ChatClientOptions {
  /** The server's OpenAI base URL (e.g. http://host:8000/v1), or the full .../chat/completions URL. */
  endpoint: string;
  apiKey?: string;
  retry: RetryPolicy;
  /** Heard before each retry: what failed and how long the wait is. */
  onRetry?: (what: string, reason: string, waitMs: number) => void;
  /** Test seams. */
  fetch?: typeof fetch;
  random?: () => number;
}

export interface ChatAnswer {
  content: string;
  /** Requests it took (1 = first try). */
  attempts: number;
}

/** `http://h:8000/v1` -> `http://h:8000/v1/chat/completions`; a URL already ending so is kept. */
export function completionsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new VizWizError('USAGE', `--endpoint must be an http(s) URL such as http://localhost:8000/v1, got "${endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VizWizError('USAGE', `--endpoint must be an http(s) URL such as http://localhost:8000/v1, got "${endpoint}"`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  return url.toString();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A one-line reason for a failed fetch: the socket error's code or message, or the time-out. */
function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no response within ${timeoutMs / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

export class ChatClient {
  readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: ChatClientOptions) {
    this.url = completionsUrl(o.endpoint);
    this.fetch = o.fetch ?? fetch;
  }

  /** Sends `body`; `what` names the question in messages. */
  async complete(body: ChatRequest, what: string): Promise<ChatAnswer> {
    const { retry } = this.o;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      let serverMs: number | undefined;
      try {
        const signal = AbortSignal.timeout(retry.timeoutMs);
        const res = await this.fetch(this.url, { method: 'POST', headers, body: payload, signal });
        const text = await res.text();
        if (res.ok) return { content: parseChatResponse(text), attempts: attempt };
        const message = errorMessage(text);
        if (!isRetryableStatus(res.status)) {
          const hint =
            res.status === 401 || res.status === 403
              ? ' (pass the API key with --api-key-env VAR)'
              : res.status === 404
                ? " (is --endpoint the server's /v1 base URL, and --model a model it serves?)"
                : '';
          throw new VizWizError('ENDPOINT', `${this.url} refused ${what}: HTTP ${res.status}: ${message}${hint}`);
        }
        reason = `HTTP ${res.status}: ${message}`;
        serverMs = serverDelayMs(res.headers);
      } catch (err) {
        if (err instanceof VizWizError) throw err;
        reason = err instanceof MalformedResponse ? `malformed response (${err.message})` : networkReason(err, retry.timeoutMs);
      }
      if (attempt > retry.retries) {
        throw new VizWizError(
          'ENDPOINT',
          `${this.url}: gave up on ${what} after ${attempt} attempts; last: ${reason} (answers so far are cached: rerun to resume)`,
        );
      }
      const wait = backoffMs(attempt - 1, retry, serverMs, this.o.random);
      this.o.onRetry?.(what, reason, wait);
      await sleep(wait);
    }
  }
}
