/**
 * Fetching an http(s) image_url, only when the operator allows remote images (`--allow-remote-images`): a bounded
 * time and size, no cookies or credentials sent, and the bytes kept in memory like an upload. Off by default, so a
 * user's photo never makes the server contact a third party.
 */
import { HttpError } from './http-error.js';
import { tooLarge } from './image-input.js';
import type { ServeLimits } from './limits.js';

const FETCH_TIMEOUT_MS = 10_000;

export function isRemoteUrl(url: string): boolean {
  return /^https?:\/\//iu.test(url);
}

export function remoteRefused(): HttpError {
  return new HttpError(
    422,
    'remote_image_refused',
    'remote image URLs are not fetched by this server (privacy: photos stay between you and it); send the photo as a data: URL (data:image/jpeg;base64,...)',
    undefined,
    'image_url',
  );
}

export async function fetchRemoteImage(url: string, limits: ServeLimits): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), credentials: 'omit', redirect: 'follow' });
  } catch (err) {
    throw new HttpError(
      422,
      'remote_image_failed',
      `the image URL could not be fetched (${err instanceof Error ? err.message : String(err)})`,
      undefined,
      'image_url',
    );
  }
  if (!res.ok || !res.body) throw new HttpError(422, 'remote_image_failed', `the image URL answered HTTP ${res.status}`, undefined, 'image_url');
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxImageBytes) throw tooLarge(declared, limits);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limits.maxImageBytes) throw tooLarge(total, limits);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
