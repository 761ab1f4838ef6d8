/** The self-containment check of report HTML: accepted pages, and one rejection per kind of external reference. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSelfContained, selfContainedProblems } from '../../src/report/self-contained.js';
import { inlineSvg } from '../../src/report/html.js';
import { escapeHtml } from '../../src/report/format.js';

const page = (body: string, head = ''): string =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}</body></html>`;

test('self-contained pages pass: data: images, #fragments, inline CSS and SVG, namespaces, URLs only as text', () => {
  const good = [
    page('<p>plain</p>'),
    page('<img src="data:image/jpeg;base64,/9j/4AAQSkZJRg==" alt="x"><a href="#results">results</a>'),
    page('<p style="color: #222; background: url(data:image/png;base64,iVBORw0=)">x</p>', '<style>body { color: #111; }</style>'),
    page('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use href="#a"/></svg>'),
    page(`<p>${escapeHtml('see https://example.com/x for more')}</p>`),
    page('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'),
  ];
  for (const html of good) assert.doesNotThrow(() => assertSelfContained(html), html);
  // vega's SVG, inlined as the report does it
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10"><text>a://b</text></svg>';
  assert.deepEqual(selfContainedProblems(page(inlineSvg(svg, 'chart'))), []);
});

test('every kind of external reference or script is rejected', () => {
  const bad: [string, RegExp][] = [
    [page('<img src="https://example.com/a.png" alt="">'), /URL|src=/],
    [page('<img src="//cdn.example.com/a.png" alt="">'), /src="\/\/cdn/],
    [page('<img src="figures/a.png" alt="">'), /src="figures/],
    [page('<img src="  data:x" srcset="a.png 2x" alt="">'), /srcset/],
    [page('<a href="report.md">md</a>'), /href="report\.md"/],
    [page('<a href="java&#x09;script:alert(1)">x</a>'), /href=/],
    [page('<a href="http&#58;&#47;&#47;example.com">x</a>'), /href=/],
    [page('<p>x</p>', '<link rel="stylesheet" href="style.css">'), /<link> element/],
    [page('<script>1</script>'), /<script> element/],
    [page('<script src="data:text/javascript,1"></script>'), /<script> element/],
    [page('<iframe src="data:text/html,x"></iframe>'), /<iframe> element/],
    [page('<object data="x.svg"></object>'), /<object> element/],
    [page('<embed src="x.swf">'), /<embed> element/],
    [page('<p>x</p>', '<base href="/">'), /<base> element/],
    [page('<p>x</p>', '<meta http-equiv="refresh" content="0; url=data:,x">'), /<meta> refresh/],
    [page('<img src="data:," alt="" onerror="x()">'), /event handler onerror/],
    [page('<p>x</p>', '<style>@import "a.css";</style>'), /@import/],
    [page('<p>x</p>', '<style>body { background: url(bg.png) }</style>'), /CSS url\(bg\.png\)/],
    [page('<p>x</p>', "<style>body { background: url('//host/bg.png') }</style>"), /CSS url\(\/\/host/],
    [page('<p style="background: url(&quot;a.png&quot;)">x</p>'), /style attribute: CSS url/],
    [page('<svg><image xlink:href="a.png"/></svg>'), /xlink:href/],
    [page('<svg xmlns="http://evil.example/ns"></svg>'), /URL/],
    [page('<form action="/submit"><button formaction="/x">go</button></form>'), /action/],
    [page('<p>http://example.com</p>'), /URL/],
  ];
  for (const [html, reason] of bad) {
    assert.throws(() => assertSelfContained(html), reason, html);
  }
});
