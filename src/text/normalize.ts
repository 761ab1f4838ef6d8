/**
 * Answer normalisation exactly as the official VizWiz-VQA evaluation (vqaEval.py of the VizWiz API) applies it to
 * a predicted answer, quirks included:
 *
 * - newline and tab become spaces, then Python `strip()`;
 * - processPunctuation: for each of the 21 punctuation characters, the test "touches a space" is made on the ORIGINAL
 *   text (not the partly processed one); if it touches a space, or the text contains digit-comma-digit anywhere, the
 *   character is deleted everywhere, otherwise replaced by a space everywhere. Apostrophe, colon, percent, period,
 *   `*`, `#`, `&`, `$` ... are not in the list;
 * - periodStrip `(?!<=\d)(\.)(?!\d)`: the typo `(?!<=` makes the first group a harmless lookahead for the literal
 *   "<=" followed by a digit, which never matches at a period, so the effect is "remove a period not followed by a
 *   digit" (a period AFTER a digit and before a non-digit, as in "5.", is removed too). The call passes `re.UNICODE`
 *   as the positional `count` argument, so only the first 32 such periods are removed;
 * - processDigitArticle: lowercase, Python `split()`, number words none/zero..ten -> digits, drop a/an/the, then the
 *   contraction table word by word, joined by single spaces.
 *
 * `\d` follows Python 3 (`str` patterns): any Unicode decimal digit (category Nd), not only 0-9.
 */
import { CONTRACTIONS } from './contractions.js';
import { pySplit, pyStrip } from './python-text.js';

/** The official punctuation list, in its order. */
export const PUNCTUATION: readonly string[] = [';', '/', '[', ']', '"', '{', '}', '(', ')', '=', '+', '\\', '_', '-', '>', '<', '@', '`', ',', '?', '!'];

/** commaStrip `(\d)(\,)(\d)`. */
const COMMA_STRIP = /\p{Nd},\p{Nd}/u;
/** periodStrip's effective pattern (see the module comment). */
const PERIOD_STRIP = /\.(?!\p{Nd})/gu;
/** `re.UNICODE` passed as `count` to `sub()`. */
const PERIOD_STRIP_COUNT = 32;

const NUMBER_WORDS: ReadonlyMap<string, string> = new Map([
  ['none', '0'],
  ['zero', '0'],
  ['one', '1'],
  ['two', '2'],
  ['three', '3'],
  ['four', '4'],
  ['five', '5'],
  ['six', '6'],
  ['seven', '7'],
  ['eight', '8'],
  ['nine', '9'],
  ['ten', '10'],
]);

const ARTICLES: ReadonlySet<string> = new Set(['a', 'an', 'the']);

/** The official processPunctuation step. */
export function processPunctuation(inText: string): string {
  const hasDigitComma = COMMA_STRIP.test(inText);
  let out = inText;
  for (const p of PUNCTUATION) {
    const remove = hasDigitComma || inText.includes(`${p} `) || inText.includes(` ${p}`);
    out = out.split(p).join(remove ? '' : ' ');
  }
  let removed = 0;
  return out.replace(PERIOD_STRIP, (period) => (removed++ < PERIOD_STRIP_COUNT ? '' : period));
}

/** The official processDigitArticle step. */
export function processDigitArticle(inText: string): string {
  const words: string[] = [];
  for (const raw of pySplit(inText.toLowerCase())) {
    const word = NUMBER_WORDS.get(raw) ?? raw;
    if (!ARTICLES.has(word)) words.push(word);
  }
  return words.map((word) => CONTRACTIONS.get(word) ?? word).join(' ');
}

/** The official normalisation of a predicted answer (the full pipeline above). */
export function normalizeAnswer(text: string): string {
  const flat = pyStrip(text.replaceAll('\n', ' ').replaceAll('\t', ' '));
  return processDigitArticle(processPunctuation(flat));
}
