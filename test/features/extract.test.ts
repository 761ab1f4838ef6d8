/**
 * Resumable extraction: an interrupted run (an encoder that throws, or a child process killed with SIGKILL) rerun
 * to completion gives a file byte-identical to an uninterrupted run without recomputing finished batches; decoding
 * overlaps inference; corrupt and missing images stop with a named error or are skipped and recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FolderImageSource } from '../../src/data/image-source.js';
import { SafetensorsReader } from '../../src/engine/safetensors.js';
import { extractFeatures, type ExtractOptions } from '../../src/features/extract.js';
import { readFeatures } from '../../src/features/feature-file.js';
import { createPixelProjectionEncoder } from '../../src/features/pixel-projection.js';
import { planBatches } from '../../src/features/plan.js';
import type { ProgressReporter } from '../../src/features/progress.js';
import { makeImageFolder, wrapEncoder } from './extract-fixture.js';

const ROWS = 21; // batches of 4: five full and one of 1
const quiet = (): void => undefined;
const encoder = (seed = 0) => createPixelProjectionEncoder({ imageDim: 32, textDim: 16, seed });

async function present(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function options(dir: string, out: string, extra: Partial<ExtractOptions> = {}): ExtractOptions {
  return {
    questions: extra.questions ?? [],
    images: new FolderImageSource(dir),
    encoder: encoder(),
    out,
    batchSize: 4,
    progress: false,
    log: quiet,
    ...extra,
  };
}

test('batches are planned around finished parts, with the batch boundaries of an uninterrupted run', () => {
  assert.deepEqual(planBatches(10, 4, []), [
    { start: 0, end: 4 },
    { start: 4, end: 8 },
    { start: 8, end: 10 },
  ]);
  assert.deepEqual(planBatches(10, 4, [{ start: 4, end: 8 }]), [
    { start: 0, end: 4 },
    { start: 8, end: 10 },
  ]);
  assert.deepEqual(planBatches(10, 4, [{ start: 0, end: 10 }]), []);
  assert.deepEqual(planBatches(10, 3, [{ start: 0, end: 4 }]), [
    { start: 4, end: 7 },
    { start: 7, end: 10 },
  ]);
});

test('interrupted after 3 batches, then rerun: identical bytes, only the 3 missing batches recomputed', async () => {
  const { dir, questions } = await makeImageFolder(ROWS);
  try {
    const reference = join(dir, 'reference.safetensors');
    const plain = wrapEncoder(encoder());
    const first = await extractFeatures(options(dir, reference, { questions, encoder: plain }));
    assert.equal(plain.imageCalls, 6);
    assert.deepEqual([first.rows, first.computedRows, first.resumedRows, first.upToDate], [ROWS, ROWS, 0, false]);
    assert.equal(await present(`${reference}.parts`), false, 'work folder removed');
    const features = await readFeatures(reference, { requireText: true, images: questions.map((q) => q.image) });
    assert.deepEqual([features.image.rows, features.image.dim, features.text?.dim], [ROWS, 32, 16]);
    assert.equal(features.metadata.encoder, 'pixel-projection');
    assert.equal(features.metadata.rows, String(ROWS));
    assert.match(features.metadata.fingerprint ?? '', /^[0-9a-f]{64}$/);

    const out = join(dir, 'resumed.safetensors');
    const failing = wrapEncoder(encoder(), { failOnCall: 4 });
    await assert.rejects(extractFeatures(options(dir, out, { questions, encoder: failing })), /interrupted at call 4/);
    assert.equal(await present(out), false, 'no output file from an interrupted run');
    assert.deepEqual((await readdir(`${out}.parts`)).sort(), [
      'manifest.json',
      'rows-000000000-000000004.safetensors',
      'rows-000000004-000000008.safetensors',
      'rows-000000008-000000012.safetensors',
    ]);

    const resumed = wrapEncoder(encoder());
    const starts: number[][] = [];
    const progress: ProgressReporter = { start: (total, done) => starts.push([total, done]), update() {}, stop() {} };
    const second = await extractFeatures(options(dir, out, { questions, encoder: resumed, progress }));
    assert.equal(resumed.imageCalls, 3, 'batches 12-16, 16-20 and 20-21 only');
    assert.equal(resumed.textCalls, 3);
    assert.deepEqual(starts, [[ROWS, 12]]);
    assert.deepEqual([second.computedRows, second.resumedRows], [9, 12]);
    assert.deepEqual(await readFile(out), await readFile(reference), 'byte-identical to the uninterrupted run');
    assert.equal(await present(`${out}.parts`), false);

    const again = wrapEncoder(encoder());
    const third = await extractFeatures(options(dir, out, { questions, encoder: again }));
    assert.equal(third.upToDate, true);
    assert.equal(again.imageCalls, 0, 'a finished job is not recomputed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a child process killed with SIGKILL mid-run resumes to the same bytes', async () => {
  const rows = 40;
  const { dir, questions } = await makeImageFolder(rows);
  try {
    const reference = join(dir, 'reference.safetensors');
    await extractFeatures(options(dir, reference, { questions }));
    const out = join(dir, 'killed.safetensors');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./extract-child.ts', import.meta.url)), dir, out, String(rows), '40'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let parts = 0;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.on('data', (chunk: Buffer) => {
      parts += chunk
        .toString()
        .split('\n')
        .filter((l) => l === 'part').length;
      if (parts >= 3) setTimeout(() => child.kill('SIGKILL'), 25); // somewhere inside a later batch
    });
    assert.equal(await exited, 'SIGKILL');
    assert.equal(await present(out), false);
    const finished = (await readdir(`${out}.parts`)).filter((n) => n.startsWith('rows-') && n.endsWith('.safetensors')).length;
    assert.ok(finished >= 3 && finished < 10, `${finished} parts finished before the kill`);

    const resumed = wrapEncoder(encoder());
    const result = await extractFeatures(options(dir, out, { questions, encoder: resumed }));
    assert.equal(resumed.imageCalls, 10 - finished, 'only the unfinished batches run');
    assert.equal(result.resumedRows, finished * 4);
    assert.deepEqual(await readFile(out), await readFile(reference));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the next batch is decoded while the encoder runs the current one', async () => {
  const { dir, questions } = await makeImageFolder(12);
  try {
    const events: string[] = [];
    const slow = wrapEncoder(encoder(), { delayMs: 60, events });
    await extractFeatures(options(dir, join(dir, 'o.safetensors'), { questions, encoder: slow }));
    const during = events.slice(events.indexOf('enc-start 1'), events.indexOf('enc-end 1'));
    assert.equal(during.filter((e) => e === 'pre').length, 4, 'all of batch 2 was preprocessed during batch 1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('skip: corrupt and missing images get zero image features and are listed in metadata and failures.json', async () => {
  const { dir, questions } = await makeImageFolder(10);
  try {
    const jpeg = await readFile(join(dir, 'img_003.jpg'));
    await writeFile(join(dir, 'img_003.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await rm(join(dir, 'img_007.jpg'));
    const out = join(dir, 'skip.safetensors');
    const result = await extractFeatures(options(dir, out, { questions, onCorrupt: 'skip' }));
    assert.deepEqual(
      result.failures.map((f) => [f.row, f.image, f.kind]),
      [
        [3, 'img_003.jpg', 'corrupt'],
        [7, 'img_007.jpg', 'missing'],
      ],
    );
    assert.equal(result.failuresFile, join(dir, 'skip.failures.json'));
    const listed = JSON.parse(await readFile(join(dir, 'skip.failures.json'), 'utf8'));
    assert.equal(listed.skipped, 2);
    assert.match(listed.failures[0].reason, /premature end of JPEG/);
    const features = await readFeatures(out);
    assert.deepEqual(JSON.parse(features.metadata.failures ?? '[]'), result.failures);
    const row = (r: number) => [...features.image.data.subarray(r * 32, (r + 1) * 32)];
    assert.ok(row(3).every((v) => v === 0) && row(7).every((v) => v === 0));
    assert.ok(row(2).some((v) => v !== 0) && row(4).some((v) => v !== 0));
    const textRow3 = features.text!.data.subarray(3 * 16, 4 * 16);
    assert.ok(
      textRow3.some((v) => v !== 0),
      'the question of a skipped image is still encoded',
    );

    const good = await extractFeatures(options(dir, join(dir, 'good.safetensors'), { questions: questions.filter((_, i) => i !== 3 && i !== 7) }));
    const goodFeatures = await readFeatures(good.out);
    // Same image, another batch composition: kernels may block the rows differently, so equal to float rounding, not bits.
    const moved = [...goodFeatures.image.data.subarray(3 * 32, 4 * 32)];
    const worst = Math.max(...moved.map((v, i) => Math.abs(v - row(4)[i]!)));
    assert.ok(worst <= 1e-5 * Math.max(1, ...row(4).map(Math.abs)), `other rows are unaffected by the skipped ones (max difference ${worst})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('stop: a missing image is caught before any work, a corrupt one stops with its name after saving finished batches', async () => {
  const { dir, questions } = await makeImageFolder(10);
  try {
    await rm(join(dir, 'img_007.jpg'));
    const counting = wrapEncoder(encoder());
    await assert.rejects(extractFeatures(options(dir, join(dir, 'a.safetensors'), { questions, encoder: counting })), {
      message: `${dir}: 1 image missing: img_007.jpg`,
    });
    assert.equal(counting.imageCalls, 0);

    const kept = questions.filter((_, i) => i !== 7);
    const jpeg = await readFile(join(dir, 'img_006.jpg'));
    await writeFile(join(dir, 'img_006.jpg'), jpeg.subarray(0, 40));
    const out = join(dir, 'b.safetensors');
    await assert.rejects(extractFeatures(options(dir, out, { questions: kept })), (err: Error) => {
      assert.match(err.message, /^image img_006\.jpg \(row 6\) cannot be decoded \(.+\); replace or remove it, or rerun with --on-corrupt skip/);
      return true;
    });
    assert.ok(await present(join(`${out}.parts`, 'rows-000000000-000000004.safetensors')), 'the batch before is kept');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parts made by another encoder are discarded, not mixed in; stray temp files are removed', async () => {
  const { dir, questions } = await makeImageFolder(9);
  try {
    const out = join(dir, 'x.safetensors');
    await assert.rejects(extractFeatures(options(dir, out, { questions, encoder: wrapEncoder(encoder(1), { failOnCall: 2 }) })));
    await writeFile(join(`${out}.parts`, 'rows-000000004-000000008.safetensors.tmp-1-abc'), 'torn');
    const lines: string[] = [];
    const counting = wrapEncoder(encoder(0));
    await extractFeatures(options(dir, out, { questions, encoder: counting, log: (l) => lines.push(l) }));
    assert.equal(counting.imageCalls, 3);
    assert.match(
      lines.join('\n'),
      /discarding 1 finished batch\(es\) in .*x\.safetensors\.parts: they were made from other annotations, images settings or encoder/,
    );
    const reference = join(dir, 'ref.safetensors');
    await extractFeatures(options(dir, reference, { questions }));
    assert.deepEqual(await readFile(out), await readFile(reference));

    const resumedTmp = join(dir, 'y.safetensors');
    await assert.rejects(extractFeatures(options(dir, resumedTmp, { questions, encoder: wrapEncoder(encoder(), { failOnCall: 2 }) })));
    await writeFile(join(`${resumedTmp}.parts`, '.rows-000000004-000000008.safetensors.123.1.tmp'), 'torn');
    await extractFeatures(options(dir, resumedTmp, { questions }));
    assert.deepEqual(await readFile(resumedTmp), await readFile(reference));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a removal cut short is cleaned up; a folder that is not ours is never deleted', async () => {
  const { dir, questions } = await makeImageFolder(9);
  try {
    const out = join(dir, 'z.safetensors');
    await assert.rejects(extractFeatures(options(dir, out, { questions, encoder: wrapEncoder(encoder(), { failOnCall: 3 }) })));
    await rm(join(`${out}.parts`, 'manifest.json'));
    const lines: string[] = [];
    const counting = wrapEncoder(encoder());
    await extractFeatures(options(dir, out, { questions, encoder: counting, log: (l) => lines.push(l) }));
    assert.equal(counting.imageCalls, 3, 'parts without a manifest are not trusted');
    assert.match(lines.join('\n'), /discarding 2 finished batch\(es\) in .*: its manifest\.json is missing/);

    await mkdir(`${out}.parts`);
    await writeFile(join(`${out}.parts`, 'rows-000000000-000000004.safetensors'), 'left over');
    const upToDate = await extractFeatures(options(dir, out, { questions }));
    assert.equal(upToDate.upToDate, true);
    assert.equal(await present(`${out}.parts`), false, 'leftover of an interrupted removal is removed');

    const other = join(dir, 'w.safetensors');
    await mkdir(`${other}.parts`);
    await writeFile(join(`${other}.parts`, 'notes.txt'), 'mine');
    await assert.rejects(extractFeatures(options(dir, other, { questions })), /w\.safetensors\.parts exists but is not a vizwiz extraction work folder/);
    assert.equal(await readFile(join(`${other}.parts`, 'notes.txt'), 'utf8'), 'mine');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a text-less encoder writes only `image`; the file records its metadata', async () => {
  const { dir, questions } = await makeImageFolder(5);
  try {
    const inner = encoder();
    const imageOnly = { ...inner, textDim: undefined, metadata: { source: 'test' } };
    delete (imageOnly as { encodeTexts?: unknown }).encodeTexts;
    const out = join(dir, 'img.safetensors');
    await extractFeatures(options(dir, out, { questions, encoder: imageOnly, metadata: { annotations: 'x.json' } }));
    const reader = await SafetensorsReader.open(out);
    try {
      assert.deepEqual([...reader.tensors.keys()], ['image']);
      assert.equal(reader.metadata.source, 'test');
      assert.equal(reader.metadata.annotations, 'x.json');
      assert.equal(reader.metadata.text_dim, undefined);
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
