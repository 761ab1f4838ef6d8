/**
 * When to ask again, and how long to wait first. Rate limits (429), server errors (5xx), timeouts (408), dropped
 * connections, time-outs on our side and malformed bodies are transient: retried up to `retries` times. The wait
 * doubles from `baseMs` up to `maxMs` with "equal jitter" (half fixed, half random), so many clients that failed
 * together do not come back together; a server's Retry-After (seconds or an HTTP date) or retry-after-ms header,
 * when present, is honoured instead (capped at `maxMs`). Other 4xx answers (a wrong model name, a bad key) fail at once.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First back-off, doubled on each retry. */
  baseMs: number;
  /** Longest back-off. */
  maxMs: number;
  /** Longest wait for one response (headers and body). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, baseMs: 500, maxMs: 30_000, timeoutMs: 120_000 };

/** Statuses worth asking again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** The server's requested wait in ms, from `retry-after-ms` or `Retry-After` (seconds or an HTTP date). */
export function serverDelayMs(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `retry` (0-based). */
export function backoffMs(retry: number, policy: RetryPolicy, serverMs?: number, random: () => number = Math.random): number {
  if (serverMs !== undefined) return Math.min(policy.maxMs, serverMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return ceiling / 2 + random() * (ceiling / 2);
}
