/**
 * File-system errors as user-facing errors. Node reports a failed file operation as an errno error ("EACCES: permission
 * denied, open '/x/y'") whose stack is of no use to a user: these are problems with the user's disk or paths, so they
 * become one line that names the path, says what went wrong and what to do. Only the codes below are mapped; any other
 * error stays a bug (with its stack).
 */
import { VizWizError } from '../errors.js';

/** What went wrong and what to do, per errno code. */
const PROBLEMS: Readonly<Record<string, { what: string; todo: string }>> = {
  ENOTDIR: { what: 'part of this path is a file, not a folder', todo: 'choose another path, or move that file away' },
  EISDIR: { what: 'this is a folder, not a file', todo: 'give a file path' },
  EEXIST: { what: 'something of this name is in the way', todo: 'choose another path, or move it away' },
  EACCES: { what: 'permission denied', todo: 'choose a path you may use, or change its permissions' },
  EPERM: { what: 'operation not permitted', todo: 'choose a path you may use, or change its permissions' },
  EROFS: { what: 'the file system is read-only', todo: 'choose a folder on a writable disk' },
  ENOSPC: { what: 'no space left on the disk', todo: 'free some space or choose a folder on another disk, then rerun (finished work is kept)' },
  EDQUOT: { what: 'disk quota exceeded', todo: 'free some space or choose a folder on another disk, then rerun (finished work is kept)' },
  EMFILE: { what: 'too many open files', todo: 'raise the limit (ulimit -n) and rerun' },
  ENAMETOOLONG: { what: 'the path is too long', todo: 'choose a shorter one' },
  EIO: { what: 'input/output error', todo: 'check the disk and rerun' },
};

/** The errno code of `err` when it is a Node file-system error that this module maps, else undefined. */
function mappedCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && Object.hasOwn(PROBLEMS, code) ? code : undefined;
}

/**
 * The user-facing error for a file-system error `err`, or undefined when `err` is something else. It names `path`,
 * by default the error's own (Node sets one for path-based calls, none for a write through an open file).
 */
export function fileSystemError(err: unknown, path = (err as NodeJS.ErrnoException | undefined)?.path): VizWizError | undefined {
  const code = mappedCode(err);
  if (code === undefined) return undefined;
  const { what, todo } = PROBLEMS[code]!;
  return new VizWizError('FILE_SYSTEM', `${path !== undefined ? `${path}: ` : ''}${what} (${code}): ${todo}`, { cause: err });
}
