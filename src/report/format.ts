/**
 * Formatting shared by the Markdown and HTML reports: numbers as the official tool prints them (two decimals), signed
 * differences, p-values, seconds, and escaping of untrusted text (questions, answers, labels) for a Markdown table
 * cell or for HTML. HTML escaping also writes the slash of "://" as an entity, so text that mentions a URL renders
 * as written but never looks like a reference to the self-containment check. Markdown escaping makes data inert: a
 * question `![t](https://evil.example/p.png)` must show as that text, not load a remote image in the reader's viewer.
 */
import type { Interval } from './stats.js';

/** Two decimals, or "-" for a missing value. */
export function fmt2(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(2);
}

export function fmtInterval(ci: Interval): string {
  return `[${fmt2(ci.lower)}, ${fmt2(ci.upper)}]`;
}

/** A difference in points with its sign: "+1.25", "-0.40", "0.00". */
export function fmtSigned(value: number): string {
  const text = fmt2(Math.abs(value));
  if (text === '0.00') return text;
  return `${value < 0 ? '-' : '+'}${text}`;
}

/** Three significant digits at most: "1", "0.0625", "0.000999", "6.10e-5". */
export function fmtP(p: number): string {
  return p >= 1e-4 ? Number(p.toPrecision(3)).toString() : p.toPrecision(3);
}

export function fmtSeconds(seconds: number): string {
  return Number.isFinite(seconds) ? `${seconds.toFixed(1)} s` : '-';
}

/** The per-stage timings as "train 12.3 s, predict 1.0 s" (in the given key order). */
export function fmtTimings(timings: Record<string, number>): string {
  const parts = Object.entries(timings).map(([stage, s]) => `${stage} ${fmtSeconds(s)}`);
  return parts.length > 0 ? parts.join(', ') : '-';
}

/**
 * A string as inert Markdown text on one line (a table cell, a heading, a paragraph): line breaks become spaces, `<`,
 * `>` and `&` become entities, and a backslash goes before every character that can start Markdown syntax - link and
 * image brackets, emphasis, code, strikethrough, table pipes, headings, the "://" and "@" of GFM's bare-URL and e-mail
 * autolinks, "www." - and before a list marker at the start. CommonMark renders a backslash-escaped ASCII punctuation
 * character as the character itself, so the text reads as written and nothing in it becomes a link, image or HTML.
 */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]!~|#@]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, '\\://')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/^([-+]|\d+[.)])(?=\s|$)/, (marker) => `${marker.slice(0, -1)}\\${marker.slice(-1)}`);
}

/**
 * A string as a Markdown code span (paths, ids, prompt templates): one line, fenced by more backticks than it holds,
 * so nothing inside can end the span early; inside a code span no Markdown is active.
 */
export function mdCode(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Escapes text for HTML content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/:\/\//g, ':&#47;&#47;');
}
