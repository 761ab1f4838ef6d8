/**
 * The service's limits, with documented defaults: what one request may send (bytes, pixels, question length),
 * how long it may wait, and how the dynamic batching queue is sized. Every limit is an option of `vizwiz serve`.
 */

export interface ServeLimits {
  /** Largest photo in bytes (multipart file, or decoded base64). */
  maxImageBytes: number; // 10 MiB
  /** Largest photo in pixels (width x height), checked before decoding. */
  maxPixels: number; // 40 million (a 12-megapixel phone photo is well inside)
  /** Longest question in characters. */
  maxQuestionChars: number; // 500
  /** Time from arrival to answer before the request is given up with a 503. */
  timeoutMs: number; // 30 s
  /** Requests waiting (not yet in a batch) before new ones get 503 + Retry-After. */
  maxQueue: number; // 64
  /** Most requests answered in one model call. */
  maxBatch: number; // 8
  /** How long the first request of a batch waits for others to join it. */
  batchWaitMs: number; // 5 ms
  /** Fetch http(s) image_url parts of chat completions (off: data URLs only, nothing leaves the server). */
  allowRemoteImages: boolean;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxImageBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxQuestionChars: 500,
  timeoutMs: 30_000,
  maxQueue: 64,
  maxBatch: 8,
  batchWaitMs: 5,
  allowRemoteImages: false,
};

/** A JSON body holds the photo base64-encoded (4/3 of its size) plus the rest of the request. */
export function maxBodyBytes(limits: ServeLimits): number {
  return Math.ceil((limits.maxImageBytes * 4) / 3) + 64 * 1024;
}

/** A size for people: "600 bytes", "1.9 KB", "64 KB", "12.3 MB", "10 MB". */
export function megabytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${Number(value.toFixed(1))} ${unit}`;
}
