/**
 * Parsing of CLI option values shared by the subcommands. Bad values are user errors that name the option.
 */
import { VizWizError } from '../errors.js';

/** Parses a whole decimal number option; throws INVALID_ARGUMENT naming the option and the raw value. */
export function parseWhole(raw: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = raw.trim();
  const value = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new VizWizError('INVALID_ARGUMENT', `${flag} must be an integer ${range}, got "${raw}"`);
  }
  return value;
}

