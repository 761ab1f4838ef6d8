/**
 * What makes two extraction runs the same job: the rows (image name and question, in order), the encoder (id,
 * sizes and its metadata: source, commit, settings) and the decoding options. Its SHA-256 guards resumption (parts
 * from another job are never mixed in) and marks a finished feature file as up to date. The batch size is not part
 * of it: resuming with another batch size reuses the finished rows.
 * A shard of a job (`--shard i/n`) has its own fingerprint, the job's with the shard and the assignment scheme; its
 * manifest names the encoder alone too (`encoderFingerprint`), so a merge can tell a foreign encoder from other rows.
 */
import { createHash } from 'node:crypto';
import type { VizWizQuestion } from '../data/types.js';
import type { DecodeOptions } from '../images/decode.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import type { ShardSpec } from '../shards/spec.js';

/** The encoder and decoding half of a job's identity. */
function encoderIdentity(encoder: ImageTextEncoder, decode: DecodeOptions): object {
  const metadata = Object.entries(encoder.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    encoder: { id: encoder.id, imageDim: encoder.imageDim, textDim: encoder.textDim ?? null, pixelsPerImage: encoder.pixelsPerImage, metadata },
    decode: { maxSide: decode.maxSide ?? null },
  };
}

export function extractionFingerprint(questions: readonly VizWizQuestion[], encoder: ImageTextEncoder, decode: DecodeOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: 1, ...encoderIdentity(encoder, decode), rows: questions.length }));
  for (const q of questions) hash.update(`\n${JSON.stringify([q.image, q.question])}`);
  return hash.digest('hex');
}

/** SHA-256 of the encoder's identity and the decoding options: what every shard of one job shares besides its rows. */
export function encoderFingerprint(encoder: ImageTextEncoder, decode: DecodeOptions): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: 1, ...encoderIdentity(encoder, decode) }))
    .digest('hex');
}

/** The fingerprint of shard `spec` of the job `jobFingerprint`, under the assignment scheme `assignment`. */
export function shardFingerprint(jobFingerprint: string, spec: ShardSpec, assignment: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ job: jobFingerprint, shard: [spec.index, spec.count], assignment }))
    .digest('hex');
}
