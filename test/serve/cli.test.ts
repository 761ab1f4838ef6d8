/**
 * `vizwiz serve` as a command: which model it picks (the best of a comparison, a train run, a fine-tune run), the
 * message when there is nothing to serve, and a real process that starts, answers, and stops gracefully on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { bestOfComparison, chooseServeTarget } from '../../src/serve/serve-target.js';
import { servedComparison, type ServedComparison } from '../helpers/serve-fixture.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = import.meta.resolve('tsx');
let fx: ServedComparison;
let scratch: string;

before(async () => {
  fx = await servedComparison();
  scratch = await mkdtemp(join(tmpdir(), 'vizwiz-serve-cli-'));
});
after(async () => rm(scratch, { recursive: true, force: true }));

describe('what vizwiz serve serves', () => {
  it('picks the best servable model of a comparison by official accuracy', async () => {
    const copy = join(scratch, 'compare');
    await cp(fx.root, copy, { recursive: true });
    const results = JSON.parse(await readFile(join(copy, 'results.json'), 'utf8'));
    results.models.push({ id: 'no-folder', accuracy: { official: { overall: 99 } } }, { id: 'worse', accuracy: { official: { overall: 1 } } });
    await writeFile(join(copy, 'results.json'), JSON.stringify(results));
    // The comparison keys its run folders (runs/clip-linear-<key>); the model keeps its id.
    const folder = basename(results.models.find((m: { id: string }) => m.id === 'clip-linear').run.folder);
    assert.match(folder, /^clip-linear-[0-9a-f]{16}$/);
    const expected = { kind: 'head', dir: join(copy, 'runs', folder), compareRoot: copy, id: 'clip-linear' };
    assert.deepEqual(await bestOfComparison(copy), expected);
    assert.deepEqual(await chooseServeTarget({}, copy), expected);
    assert.deepEqual(await chooseServeTarget({ run: join(copy, 'runs', folder) }), expected);
  });

  it('says how to make a model when there is none, and refuses flags that do not go together', async () => {
    await assert.rejects(chooseServeTarget({}, join(scratch, 'nothing')), {
      message:
        `no model to serve: ${join(scratch, 'nothing')} holds no comparison yet. Make one with \`npm run compare\` (about a minute on the embedded sample, no download), ` +
        'or pass --run DIR (a vizwiz train or finetune run) or --model paligemma --base SOURCE',
    });
    await assert.rejects(chooseServeTarget({ run: scratch }), {
      message: `${scratch} is not a vizwiz run: expected model.json (vizwiz train), run.json (vizwiz finetune) or results.json (vizwiz compare)`,
    });
    await assert.rejects(chooseServeTarget({ model: 'paligemma' }), {
      message: '--model paligemma needs --base SOURCE (a checkpoint folder or hf:google/paligemma-3b-pt-224)',
    });
    await assert.rejects(chooseServeTarget({ adapter: 'a' }), { message: '--base and --adapter go with --model paligemma' });
    assert.deepEqual(await chooseServeTarget({ model: 'paligemma', base: 'hf:google/paligemma-3b-pt-224', adapter: 'best' }), {
      kind: 'paligemma',
      base: 'hf:google/paligemma-3b-pt-224',
      adapter: 'best',
    });
  });

  it('prints the message and exits 1 when run with nothing to serve', async () => {
    const cwd = join(scratch, 'empty');
    await mkdir(cwd, { recursive: true });
    const r = await runServe([], cwd, () => {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vizwiz: no model to serve: runs\/compare holds no comparison yet\. Make one with `npm run compare`/u);
  });

  it('starts, answers, and on SIGTERM finishes the request in flight and exits 0', async () => {
    let url = '';
    let reply: Promise<{ status: number; body: string }> | undefined;
    const r = await runServe(['--run', fx.root, '--port', '0'], root, (line, child) => {
      const listening = /listening on (http:\/\/\S+)/u.exec(line);
      if (listening) url = listening[1]!;
      // A slow client: half the upload, SIGTERM while the server is reading it, then the rest.
      if (line.includes('ready:')) reply = slowUpload(`${url}/v1/answer`, fx.photos.clear, () => child.kill('SIGTERM'));
    });
    assert.equal(r.code, 0, r.stderr);
    const res = await reply!;
    assert.equal(res.status, 200, res.body);
    assert.equal((JSON.parse(res.body) as { model: string }).model, 'clip-linear');
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^vizwiz serve: listening on http:\/\/127\.0\.0\.1:\d+ \(loading the model\)$/u);
    assert.match(
      lines[1]!,
      /^vizwiz serve: serving clip-linear on cpu: clip-linear head \(.*\) on clip-vit-l14-336 features from .*tiny-clip, quality head .*$/u,
    );
    assert.deepEqual(lines.slice(-2), ['vizwiz serve: shutting down: finishing the requests in flight', 'vizwiz serve: stopped']);
  });
});

/** Posts a multipart photo + question in two halves, calling `between` after the first half has been sent. */
function slowUpload(url: string, photo: Buffer, between: () => void): Promise<{ status: number; body: string }> {
  const boundary = 'vizwiz-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\nWhat is this?\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    photo,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half), () => {
      setTimeout(() => {
        between();
        setTimeout(() => req.end(body.subarray(half)), 300);
      }, 300);
    });
  });
}

/** Runs `vizwiz serve ARGS` from source in `cwd`; `onLine` sees each stderr line as it comes. */
function runServe(
  args: string[],
  cwd: string,
  onLine: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', ...args], {
      cwd,
      env: { ...process.env, CI: 'true', VIZWIZ_THREADS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let pending = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl), child);
        pending = pending.slice(nl + 1);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
