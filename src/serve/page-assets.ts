/**
 * The page's style and script, served from this server (`/app.css`, `/app.js`) so the Content-Security-Policy can
 * forbid inline code and every other origin. The script only enhances the form: it posts to /v1/answer with fetch,
 * says "Working on your question." in the live region, then replaces that with the answer (or puts the error in the
 * alert region); keyboard focus stays where the user left it. Without it the form posts to `/` and still works.
 */

export const PAGE_STYLE = `:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 1.125rem; line-height: 1.5; color: #1a1a1a; background: #ffffff; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.75rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.375rem; margin: 1.5rem 0 0.5rem; }
.field { margin: 0 0 1.25rem; }
label { display: block; font-weight: 700; margin-bottom: 0.25rem; }
input[type="text"], input[type="file"] { display: block; width: 100%; min-height: 2.75rem; font: inherit; padding: 0.5rem; border: 2px solid #4a4a4a; border-radius: 0.25rem; background: #ffffff; color: #1a1a1a; }
.hint { margin: 0.25rem 0 0; color: #4a4a4a; }
button { min-height: 2.75rem; min-width: 6rem; font: inherit; font-weight: 700; padding: 0.5rem 1.5rem; border: 2px solid #0b3d91; border-radius: 0.25rem; background: #0b3d91; color: #ffffff; cursor: pointer; }
button:hover { background: #072a66; }
:focus-visible { outline: 3px solid #b3001b; outline-offset: 3px; }
.answer { min-height: 1.5em; font-size: 1.25rem; }
.error { color: #b3001b; font-weight: 700; }
.error:empty, .answer:empty { margin: 0; }
`;

export const PAGE_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('ask');
  var status = document.getElementById('answer');
  var alertBox = document.getElementById('error');
  if (!form || !status || !alertBox || !window.fetch || !window.FormData) return;
  function sentence(text) {
    var t = String(text || '').trim();
    if (!t) return 'Something went wrong. Try again.';
    t = t.charAt(0).toUpperCase() + t.slice(1);
    return /[.!?]$/.test(t) ? t : t + '.';
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    alertBox.textContent = '';
    status.textContent = 'Working on your question.';
    fetch('/v1/answer', { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      })
      .then(function (r) {
        if (r.ok) {
          status.textContent = r.body.message;
        } else {
          status.textContent = '';
          alertBox.textContent = sentence(r.body && r.body.error && r.body.error.message);
        }
      })
      .catch(function () {
        status.textContent = '';
        alertBox.textContent = 'The server could not be reached. Check the connection and try again.';
      });
  });
})();
`;
