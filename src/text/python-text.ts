/**
 * Python's string primitives that the official VizWiz evaluation relies on, reproduced exactly where JavaScript's
 * built-ins differ: `str.strip()` / `str.split()` use Python's whitespace set (which includes U+001C..U+001F and
 * U+0085 but not U+FEFF, unlike JavaScript's `\s` and `trim()`).
 */

/** The characters for which Python's `str.isspace()` is true (the set `str.split()` and `str.strip()` use). */
const PY_WHITESPACE =
  '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006' +
  '\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

const WS_CLASS = `[${PY_WHITESPACE}]`;
const STRIP_RE = new RegExp(`^${WS_CLASS}+|${WS_CLASS}+$`, 'gu');
const SPLIT_RE = new RegExp(`${WS_CLASS}+`, 'u');

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(STRIP_RE, '');
}

/** Python `str.split()` with no argument: runs of whitespace separate words, no empty words. */
export function pySplit(text: string): string[] {
  const stripped = pyStrip(text);
  return stripped === '' ? [] : stripped.split(SPLIT_RE);
}
