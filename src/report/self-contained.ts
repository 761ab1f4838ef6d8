/**
 * A check that an HTML page is self-contained: opening it makes no request and runs no script. It rejects
 * - any "http://", "https://", "ftp://" or "file://" in the source (namespace declarations `xmlns="http://www.w3.org/..."`
 *   excepted: they name, never fetch);
 * - elements that fetch, embed or run: script, link, iframe, frame, object, embed, base, applet, portal, and a meta
 *   refresh;
 * - event-handler attributes (on...=);
 * - a URL attribute (src, href, xlink:href, srcset, poster, data, action, formaction, background, ping, manifest,
 *   cite, longdesc, codebase, archive, lowsrc, usemap) whose value, after decoding character references and dropping
 *   whitespace, does not start with "data:" or "#" (so relative files, "//host" and "javascript:" fail);
 * - CSS (style elements and style attributes) with @import, or url(...) that is not data: or a #fragment.
 * It is a lexical check of the source (tags and attributes by regular expression), strict rather than complete:
 * good enough to keep the project's own report honest.
 */

const URL_ATTRIBUTES = new Set([
  'src',
  'href',
  'xlink:href',
  'srcset',
  'poster',
  'data',
  'action',
  'formaction',
  'background',
  'ping',
  'manifest',
  'cite',
  'longdesc',
  'codebase',
  'archive',
  'lowsrc',
  'usemap',
]);
const FORBIDDEN_ELEMENTS = new Set(['script', 'link', 'iframe', 'frame', 'object', 'embed', 'base', 'applet', 'portal']);

const TAG = /<([A-Za-z][\w:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  sol: '/',
  period: '.',
  Tab: '\t',
  NewLine: '\n',
  lpar: '(',
  rpar: ')',
  bsol: '\\',
  commat: '@',
  num: '#',
};

/** Decodes numeric and the common named character references. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[A-Za-z]+);?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

function localUrl(value: string): boolean {
  // Browsers ignore ASCII whitespace and control characters inside URLs ("java\tscript:"), so drop them all.
  const v = decodeEntities(value)
    .replace(/[\u0000-\u0020]/g, '')
    .toLowerCase();
  return v.startsWith('data:') || v.startsWith('#');
}

function cssProblems(css: string, where: string): string[] {
  const problems: string[] = [];
  if (/@import/i.test(css)) problems.push(`${where}: CSS @import`);
  for (const m of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    if (!localUrl(m[2] ?? '')) problems.push(`${where}: CSS url(${m[2]})`);
  }
  return problems;
}

function excerpt(html: string, at: number): string {
  return JSON.stringify(html.slice(Math.max(0, at - 20), at + 40));
}

/** Every reason `html` is not self-contained (empty when it is). */
export function selfContainedProblems(html: string): string[] {
  const problems: string[] = [];
  const withoutNamespaces = html.replace(/\sxmlns(:\w+)?\s*=\s*("http:\/\/www\.w3\.org\/[^"]*"|'http:\/\/www\.w3\.org\/[^']*')/g, ' ');
  for (const m of withoutNamespaces.matchAll(/(?:https?|ftp|file):\/\//gi)) problems.push(`URL ${excerpt(withoutNamespaces, m.index)}`);
  for (const tag of html.matchAll(TAG)) {
    const name = tag[1]!.toLowerCase();
    if (FORBIDDEN_ELEMENTS.has(name)) problems.push(`<${name}> element`);
    for (const attr of (tag[2] ?? '').matchAll(ATTRIBUTE)) {
      const key = attr[1]!.toLowerCase();
      const value = attr[2] ?? attr[3] ?? attr[4];
      if (key.startsWith('on')) problems.push(`<${name}> event handler ${key}`);
      if (value === undefined) continue;
      if (URL_ATTRIBUTES.has(key) && !localUrl(value)) problems.push(`<${name}> ${key}="${value.slice(0, 60)}"`);
      if (key === 'style') problems.push(...cssProblems(decodeEntities(value), `<${name}> style attribute`));
      if (name === 'meta' && key === 'http-equiv' && value.trim().toLowerCase() === 'refresh') problems.push('<meta> refresh');
    }
  }
  for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)) problems.push(...cssProblems(m[1] ?? '', '<style>'));
  return problems;
}

/** Throws an Error listing every external reference or script in `html`. */
export function assertSelfContained(html: string): void {
  const problems = selfContainedProblems(html);
  if (problems.length > 0) {
    throw new Error(`HTML is not self-contained: ${problems.length} problem(s): ${problems.slice(0, 10).join('; ')}`);
  }
}
