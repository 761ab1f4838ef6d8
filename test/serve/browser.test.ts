/**
 * The page in a real browser (Debian's Chromium driven by playwright-core), keyboard only, on a phone-sized screen:
 * choose a photo, type a question, submit, and read the answer from the live region, which is in the page before it
 * is filled; the same with JavaScript off (a plain form post); an error announced through the alert region; and an
 * axe-core audit with the WCAG 2.0/2.1/2.2 A and AA rules reporting no violation in each state. The page runs under
 * its strict Content-Security-Policy, and no CSP violation may be reported. A screenshot of the answered page is
 * written to $VIZWIZ_SCREENSHOT_DIR (default: a temporary folder).
 * Chromium: `apt-get install chromium` (.ci/run installs it). Without it this file is skipped, unless
 * VIZWIZ_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { decodeImage } from '../../src/images/decode.js';
import { likelyIssues, spokenReply } from '../../src/serve/advice.js';
import type { AnswerModel } from '../../src/serve/answer-model.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { servedComparison, type ServedComparison } from '../helpers/serve-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM) && process.env.VIZWIZ_REQUIRE_BROWSER !== '1';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

let fx: ServedComparison;
let model: AnswerModel;
let service: RunningService;
let browser: Browser;
let scratch: string;
let photoFile: string;
let textFile: string;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

async function audit(page: Page): Promise<string[]> {
  await page.evaluate(axeSource); // through the DevTools protocol, which the page's CSP does not govern
  // Page code as strings: the test is type-checked without the DOM library.
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((r) => r.violations)`,
  );
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function phone(javaScriptEnabled = true): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled });
  const page = await context.newPage();
  // Intercept file choosers from the start (interception is switched on by the first listener, asynchronously; the
  // navigation below orders it before any key press).
  page.on('filechooser', () => {});
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) cspErrors.push(m.text());
  });
  await page.goto(`${service.url}/`);
  return { context, page, cspErrors };
}

/** The focused element's id or text (a selector, not page code: the page's CSP forbids eval). */
const focused = async (page: Page, what: 'id' | 'textContent') => {
  const el = page.locator(':focus');
  return what === 'id' ? await el.getAttribute('id') : await el.textContent();
};

/** Waits until the element `id` holds exactly `text`. */
const holds = (page: Page, id: string, text: string) =>
  page
    .locator(`#${id}`)
    .filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u') })
    .waitFor({ timeout: 60_000 });

/** Keyboard only: Tab to the photo, Space opens the file chooser, Tab to the question, type, Tab to Ask, Enter. */
async function askByKeyboard(page: Page, file: string, question: string): Promise<void> {
  await page.keyboard.press('Tab');
  assert.equal(await focused(page, 'id'), 'photo');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles(file);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page, 'id'), 'question');
  await page.keyboard.type(question);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page, 'textContent'), 'Ask');
  await page.keyboard.press('Enter');
}

before(async () => {
  if (missing) return;
  fx = await servedComparison();
  model = await loadServeModel(await chooseServeTarget({ run: fx.root }), { device: 'cpu' });
  service = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: async () => model });
  await service.ready;
  scratch = await mkdtemp(join(tmpdir(), 'vizwiz-browser-'));
  photoFile = join(scratch, 'photo.jpg'); // a dark one: the answer comes with quality advice
  textFile = join(scratch, 'notes.txt');
  await writeFile(photoFile, fx.photos.dark);
  await writeFile(textFile, 'not a photo');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (missing) return;
  await browser?.close();
  await service?.shutdown();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the page in Chromium', { skip: missing ? `${CHROMIUM} is not installed (apt-get install chromium)` : false }, () => {
  it('is answered with the keyboard alone, through a live region that was there before, and passes axe (WCAG 2.2 AA)', async () => {
    const { context, page, cspErrors } = await phone();
    const region = page.locator('#answer');
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await region.textContent(), '');
    assert.deepEqual(await audit(page), []);
    const question = 'What colour is this?';
    const [want] = await model.answer([{ image: await decodeImage(fx.photos.dark, 'x'), question }]);
    const expected = spokenReply(want!.answer, want!.answerable, likelyIssues(want!.quality));
    await askByKeyboard(page, photoFile, question);
    await holds(page, 'answer', expected);
    assert.equal(await focused(page, 'textContent'), 'Ask', 'focus stays where the user was');
    assert.equal(await page.locator('#error').textContent(), '');
    assert.deepEqual(await audit(page), []);
    const dir = process.env.VIZWIZ_SCREENSHOT_DIR ?? scratch;
    await page.screenshot({ path: join(dir, 'serve-page.png'), fullPage: true });
    assert.deepEqual(cspErrors, []);
    await context.close();
  });

  it('announces an error through the alert region', async () => {
    const { context, page, cspErrors } = await phone();
    await askByKeyboard(page, textFile, 'What is this?');
    const message = 'The upload is not a photo in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF); send a photo.';
    await holds(page, 'error', message);
    assert.equal(await page.locator('#error').getAttribute('role'), 'alert');
    assert.equal(await page.locator('#answer').textContent(), '');
    assert.deepEqual(await audit(page), []);
    assert.deepEqual(cspErrors, []);
    await context.close();
  });

  it('works as a plain form post with JavaScript off', async () => {
    const { context, page } = await phone(false);
    const question = 'What is in the photo?';
    const [want] = await model.answer([{ image: await decodeImage(fx.photos.dark, 'x'), question }]);
    await askByKeyboard(page, photoFile, question);
    // The form page is already at `/`: wait for the answer page the POST returns, not just the URL (a slow answer
    // would otherwise leave the form page's empty #answer to read).
    await page.locator('#answer:not(:empty)').waitFor();
    await page.waitForURL(`${service.url}/`);
    await page.waitForLoadState('load');
    assert.equal(await page.locator('#answer').textContent(), spokenReply(want!.answer, want!.answerable, likelyIssues(want!.quality)));
    assert.equal(await page.title(), 'Answer - Ask about a photo');
    await context.close();
  });
});
