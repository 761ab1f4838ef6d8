/**
 * Fingerprints that shard manifests carry: the question list (every id and question, in order - the same for every
 * shard of one job), a file's content, and a JSON value. SHA-256, hex.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { VizWizQuestion } from '../data/types.js';

/** SHA-256 over the rows (image name and question), in order. */
export function questionsFingerprint(questions: readonly VizWizQuestion[]): string {
  const hash = createHash('sha256');
  hash.update(`questions/1 ${questions.length}`);
  for (const q of questions) hash.update(`\n${JSON.stringify([q.image, q.question])}`);
  return hash.digest('hex');
}

/** SHA-256 of a JSON value; the caller builds it with a fixed key order. */
export function jsonFingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** SHA-256 of a file's bytes, streamed (checkpoints can be gigabytes). */
export async function fileFingerprint(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
