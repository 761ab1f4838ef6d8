/**
 * Formatting shared by the Markdown and HTML reports: numbers as the official tool prints them (two decimals), signed
 * differences, p-values, seconds, and escaping of untrusted text (questions, answers, labels) for a Markdown table
 * cell or for HTML. HTML escaping also writes the slash of "://" as an entity, so text that mentions a URL renders
 * as written but never looks like a reference to the self-containment check.
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

/** A string as one Markdown table cell: no line breaks, pipes and HTML-significant characters escaped. */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .trim();
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
