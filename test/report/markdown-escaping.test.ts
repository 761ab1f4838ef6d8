/**
 * report.md prints data (questions, answers, labels, paths, prompts) as inert text: a question
 * `![t](https://evil.example/p.png)` shows as written and never becomes an image or a link in a Markdown viewer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeResults, renderMarkdown } from '../../src/report/index.js';
import { mdCell, mdCode } from '../../src/report/format.js';
import { fixtureInput, RECORDS } from './fixture.js';

const EVIL_QUESTION = '![t](https://evil.example/p.png)';
const EVIL_ESCAPED = '\\!\\[t\\](https\\://evil.example/p.png)';

describe('mdCell', () => {
  it('escapes image and link syntax, bare-URL, www and e-mail autolinks, HTML, emphasis, code and pipes', () => {
    assert.equal(mdCell(EVIL_QUESTION), EVIL_ESCAPED);
    assert.equal(mdCell('[click](javascript:alert(1)) <img src=x> a|b'), '\\[click\\](javascript:alert(1)) &lt;img src=x&gt; a\\|b');
    assert.equal(mdCell('see www.evil.example or me@evil.example'), 'see www\\.evil.example or me\\@evil.example');
    assert.equal(mdCell('*bold* _it_ `code` ~~gone~~ # \\ &copy;'), '\\*bold\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~ \\# \\\\ &amp;copy;');
    assert.equal(mdCell('  line one\nline two\t '), 'line one line two');
  });

  it('escapes a list marker at the start only, so a paragraph cannot turn into a list', () => {
    assert.equal(mdCell('- not a list - really'), '\\- not a list - really');
    assert.equal(mdCell('12. not a list, 3.5 apples'), '12\\. not a list, 3.5 apples');
    assert.equal(mdCell('What is this?'), 'What is this?');
  });
});

describe('mdCode', () => {
  it('fences with more backticks than the text holds, on one line', () => {
    assert.equal(mdCode('/data/vizwiz'), '`/data/vizwiz`');
    assert.equal(mdCode('a `b` c'), '``a `b` c``');
    assert.equal(mdCode('`x`](https://evil.example)\nnext'), '`` `x`](https://evil.example) next ``');
  });
});

describe('report.md with hostile data', () => {
  it('prints the question, label, dataset path and prompt inertly', () => {
    const input = fixtureInput();
    input.title = 'Report ![t](https://evil.example/title.png)';
    input.dataset = { ...input.dataset, name: '[data](https://evil.example)', path: '/tmp/`](https://evil.example)' };
    input.models = input.models.map((m, i) => ({
      ...m,
      ...(i === 0 ? { label: '<img src="https://evil.example/l.png">' } : {}),
      records: RECORDS.map((r) => ({ ...r, question: EVIL_QUESTION })),
      ...(m.prompt ? { prompt: { ...m.prompt, template: 'answer ``` {question}\n' } } : {}),
    }));
    const results = computeResults(input);
    const md = renderMarkdown({ ...results, figures: [] });
    const questionCells = md.split('\n').filter((line) => line.startsWith('| VizWiz\\_val\\_'));
    assert.ok(questionCells.length > 0, 'the gallery shows examples');
    for (const line of questionCells) assert.equal(line.split(' | ')[1], EVIL_ESCAPED);
    assert.ok(md.includes('# Report \\!\\[t\\](https\\://evil.example/title.png)\n'));
    assert.ok(md.includes('| &lt;img src="https\\://evil.example/l.png"&gt; | 94.67 |'));
    assert.ok(md.includes('- dataset: \\[data\\](https\\://evil.example) at ``/tmp/`](https://evil.example)``'));
    assert.ok(md.includes('- prompt: `answer-en-v1`: ````answer ``` {question}\\n````'));
    // nothing outside a code span is left that a viewer would turn into an image, a link or HTML
    const outsideCode = md.replace(/(`+)[^`].*?\1/g, '');
    assert.deepEqual(outsideCode.match(/(?<!\\)!\[|(?<!\\)\]\(|<img|https:\/\/|www\.|[^\\]@/g), null);
  });
});
