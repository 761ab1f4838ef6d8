/**
 * What makes two extraction runs the same job: the rows (image name and question, in order), the encoder (id,
 * sizes and its metadata: source, commit, settings) and the decoding options. Its SHA-256 guards resumption (parts
 * from another job are never mixed in) and marks a finished feature file as up to date. The batch size is not part
 * of it: resuming with another batch size reuses the finished rows.
 */
import { createHash } from 'node:crypto';
import type { VizWizQuestion } from '../data/types.js';
import type { DecodeOptions } from '../images/decode.js';
import type { ImageTextEncoder } from '../models/encoder.js';

export function extractionFingerprint(questions: readonly VizWizQuestion[], encoder: ImageTextEncoder, decode: DecodeOptions): string {
  const hash = createHash('sha256');
  const metadata = Object.entries(encoder.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(
    JSON.stringify({
      format: 1,
      encoder: { id: encoder.id, imageDim: encoder.imageDim, textDim: encoder.textDim ?? null, pixelsPerImage: encoder.pixelsPerImage, metadata },
      decode: { maxSide: decode.maxSide ?? null },
      rows: questions.length,
    }),
  );
  for (const q of questions) hash.update(`\n${JSON.stringify([q.image, q.question])}`);
  return hash.digest('hex');
}
