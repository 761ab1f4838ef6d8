/**
 * An image that cannot be used: missing from the image source, or present but not decodable (truncated, corrupt,
 * not an image). It carries the image name and a one-line reason, so extraction can stop with a clear message or
 * record it and go on (`--on-corrupt stop|skip`).
 */
import { VizWizError } from '../errors.js';

export type ImageFailureKind = 'missing' | 'corrupt';

/** What a skipped image leaves in failures.json and in the feature file's metadata. */
export interface ImageFailureRecord {
  /** Row in annotation order. */
  row: number;
  image: string;
  kind: ImageFailureKind;
  reason: string;
}

export class ImageFailure extends VizWizError {
  constructor(
    readonly image: string,
    readonly kind: ImageFailureKind,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const what = kind === 'missing' ? 'is missing' : 'cannot be decoded';
    super(kind === 'missing' ? 'MISSING_IMAGE' : 'INVALID_IMAGE', `image ${image} ${what} (${reason})`, options);
    this.name = 'ImageFailure';
  }
}

/** libvips messages span lines and repeat themselves: keep the distinct lines, joined. */
export function oneLineReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = [
    ...new Set(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    ),
  ];
  return lines.join('; ') || 'unknown error';
}
