/**
 * The page at `/`: one form (photo, question, Ask) that works with a screen reader and the keyboard alone, on a
 * phone, and without JavaScript (a plain multipart form post to `/`, answered with this page filled in). With
 * JavaScript (page-assets.ts) the same form posts to /v1/answer and the answer is written into the live region.
 * WCAG 2.2 AA: every control has a visible label, the answer is announced through a role="status" region that is in
 * the page before it is filled (4.1.3), errors through role="alert", targets are at least 44 px (2.5.8), focus is
 * always visible and never hidden (2.4.7, 2.4.11), there is no time limit and no CAPTCHA (2.2.1, 3.3.8). Nothing is
 * loaded from elsewhere: the style and the script come from this server, under a strict Content-Security-Policy.
 */
import { escapeHtml } from '../report/format.js';
import { megabytes, type ServeLimits } from './limits.js';

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface PageState {
  /** The question to show in the field again (after a form post). */
  question?: string;
  /** The sentence to read aloud, after a successful form post. */
  message?: string;
  /** An error to announce. */
  error?: string;
}

/** "the photo is empty; attach one" -> "The photo is empty; attach one." */
function asSentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/u.test(capital) ? capital : `${capital}.`;
}

export function renderPage(limits: ServeLimits, state: PageState = {}): string {
  const title = state.error ? 'Error - Ask about a photo' : state.message ? 'Answer - Ask about a photo' : 'Ask about a photo';
  const question = state.question ? ` value="${escapeHtml(state.question)}"` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<main>
<h1>Ask about a photo</h1>
<p>Take or choose a photo, type a question about it, then press Ask. The answer appears below the Ask button and is read out. Photos and questions are not stored.</p>
<form id="ask" method="post" action="/" enctype="multipart/form-data">
<div class="field">
<label for="photo">Photo</label>
<input id="photo" name="image" type="file" accept="image/*" capture="environment" required aria-describedby="photo-hint">
<p id="photo-hint" class="hint">A photo up to ${megabytes(limits.maxImageBytes)}.</p>
</div>
<div class="field">
<label for="question">Question</label>
<input id="question" name="question" type="text" required maxlength="${limits.maxQuestionChars}" autocomplete="off"${question}>
</div>
<button type="submit">Ask</button>
</form>
<h2>Answer</h2>
<div id="answer" class="answer" role="status" aria-live="polite" aria-atomic="true">${state.message ? escapeHtml(state.message) : ''}</div>
<div id="error" class="error" role="alert" aria-atomic="true">${state.error ? escapeHtml(asSentence(state.error)) : ''}</div>
</main>
</body>
</html>
`;
}
