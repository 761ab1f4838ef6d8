/**
 * Reading fields of a Hugging Face config.json: a missing (or null) field takes the transformers default, anything
 * else of the wrong type is an INVALID_CHECKPOINT error naming the config and the key.
 */

import { VizWizError } from '../errors.js';

export type Json = Record<string, unknown>;

/** A number field; `where` names the config in messages ("Gemma config"). */
export function configNumber(o: Json, key: string, dflt: number, where: string): number {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new VizWizError('INVALID_CHECKPOINT', `${where}: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A string field. */
export function configString(o: Json, key: string, dflt: string, where: string): string {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new VizWizError('INVALID_CHECKPOINT', `${where}: '${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}
