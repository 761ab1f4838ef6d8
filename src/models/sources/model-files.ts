/**
 * Reading the JSON files beside a model's weights (config.json, preprocessor_config.json, tokenizer_config.json),
 * with errors that name the file and the source.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../../errors.js';
import type { ResolvedSource } from './resolve.js';

/** Parses `<dir>/<name>`; missing -> NOT_FOUND (or undefined when `optional`). */
export async function readModelJson(source: ResolvedSource, name: string, optional = false): Promise<unknown> {
  const path = join(source.dir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VizWizError('NOT_FOUND', `${source.source}: no ${name} in ${source.dir} (a model folder needs it beside the weights)`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new VizWizError('INVALID_CHECKPOINT', `${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}
