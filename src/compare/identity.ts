/**
 * What the comparison's inputs are, as short content identities for stage keys (stage-key.ts):
 * - records: every field of every record (image, question, ten answers with confidences, answer type, answerable),
 *   in order - an edited annotation changes it, a reformatted file does not;
 * - images: the zip's content hash, or each image file's content hash in record order for a folder;
 * - a model: a hub source's resolved commit (the hub cache is addressed by it), or the content hashes of a local
 *   folder's config, tokenizer and weight files.
 * File hashes come from FileHashes, so unchanged files are not read again.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImageSource } from '../data/image-source.js';
import type { VizWizRecord } from '../data/types.js';
import { pathExists } from '../io/path-exists.js';
import { MODEL_FILES, type ResolvedSource } from '../models/sources/resolve.js';
import { findCheckpoint } from '../models/sources/weight-files.js';
import type { FileHashes } from './file-hashes.js';
import { canonicalJson } from './stage-key.js';

/** SHA-256 over the records' full content, in order. */
export function recordsIdentity(records: readonly VizWizRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(`${canonicalJson(r)}\n`);
  return h.digest('hex');
}

/** The content identity of the images `names` in `images` (a folder or a zip opened by openImageSource). */
export async function imagesIdentity(images: ImageSource, names: readonly string[], hashes: FileHashes): Promise<string> {
  if (!(await stat(images.location)).isDirectory()) return `zip:${await hashes.of(images.location)}`;
  const h = createHash('sha256');
  for (const name of names) {
    const file = join(images.location, name);
    // a missing image is part of the identity too (extraction may skip it); adding it later changes the identity
    h.update(`${name}\t${(await pathExists(file)) ? await hashes.of(file) : 'missing'}\n`);
  }
  return `folder:${h.digest('hex')}`;
}

/** The identity of a model's weights and configuration files. */
export async function modelIdentity(resolved: ResolvedSource, hashes: FileHashes): Promise<Record<string, string>> {
  if (resolved.commit) return { source: resolved.source, commit: resolved.commit };
  const checkpoint = await findCheckpoint(resolved.weights);
  const files = [...checkpoint.files, ...(checkpoint.index ? [checkpoint.index] : [])];
  for (const name of MODEL_FILES) {
    const file = join(resolved.dir, name);
    if (await pathExists(file)) files.push(file);
  }
  const out: Record<string, string> = {};
  for (const file of [...new Set(files)].sort()) out[basename(file)] = await hashes.of(file);
  return out;
}
