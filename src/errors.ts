/**
 * Typed errors for the toolkit. A `VizWizError` is a user-facing problem (bad input, missing file, unavailable
 * device): the CLI prints its message on one line and exits non-zero. Anything else is a bug and prints a stack.
 */

/** Machine-readable category of a user-facing error. */
export type VizWizErrorCode =
  | 'INVALID_ANNOTATIONS'
  | 'INVALID_PREDICTIONS'
  | 'MISSING_IMAGE'
  | 'INVALID_IMAGE'
  | 'INVALID_ARCHIVE'
  | 'INVALID_ARGUMENT'
  /** A command line the command cannot run: a bad option value, a flag that does not apply (exit code 2). */
  | 'USAGE'
  | 'INVALID_FEATURES'
  | 'INVALID_CHECKPOINT'
  | 'DEVICE_UNAVAILABLE'
  | 'TRAINING_DIVERGED'
  | 'NOT_FOUND'
  /** A file or folder cannot be written (permissions, read-only or full disk, a file where a folder should be). */
  | 'FILE_SYSTEM'
  /** Another run holds the lock on the output folder or file. */
  | 'IN_USE'
  /** An inference server refused a request, or kept failing after every retry. */
  | 'ENDPOINT';

export class VizWizError extends Error {
  readonly code: VizWizErrorCode;

  constructor(code: VizWizErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VizWizError';
    this.code = code;
  }
}

/** Lists names as "a, b, c (and 12 more)": the first `limit` names and a count of the rest. */
export function listNames(names: readonly string[], limit = 10): string {
  const shown = names.slice(0, limit).join(', ');
  const rest = names.length - limit;
  return rest > 0 ? `${shown} (and ${rest} more)` : shown;
}

/** Describes a JSON value briefly for messages: `"foo"`, `3`, `an object`, `an array of 4`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}
