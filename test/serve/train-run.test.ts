/**
 * Serving a `vizwiz train` run outside a comparison (pixel-projection features, a quality head in its quality/
 * folder): the weight-free encoder is rebuilt from what the run records (or, for a run made before model.json
 * recorded it, from its training feature file), and a dark photo is answered with the advice to add light.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planSample } from '../../src/data/sample/index.js';
import { decodeImage } from '../../src/images/decode.js';
import { QUALITY_ADVICE } from '../../src/serve/advice.js';
import type { AnswerModel } from '../../src/serve/answer-model.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { pixelProjectionRun } from '../helpers/serve-fixture.js';
import { sampleWithFeatures } from '../helpers/sample-features.js';

let run: string;
let sampleDir: string;
let service: RunningService;
let scratch: string;

before(async () => {
  run = await pixelProjectionRun();
  sampleDir = (await sampleWithFeatures()).dir;
  scratch = await mkdtemp(join(tmpdir(), 'vizwiz-serve-train-'));
  const model = await loadServeModel(await chooseServeTarget({ run }), { device: 'cpu' });
  service = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: async () => model });
  await service.ready;
});

after(async () => {
  await service.shutdown();
  await rm(scratch, { recursive: true, force: true });
});

async function ask(photo: Buffer, question: string): Promise<any> {
  const body = new FormData();
  body.append('question', question);
  body.append('image', new Blob([photo], { type: 'image/jpeg' }), 'p.jpg');
  const res = await fetch(`${service.url}/v1/answer`, { method: 'POST', body });
  assert.equal(res.status, 200);
  return res.json();
}

describe('serving a vizwiz train run', () => {
  it("rebuilds the pixel projection from the run and uses the run's quality head", async () => {
    const ready = (await (await fetch(`${service.url}/readyz`)).json()) as { model: string; quality: boolean };
    assert.deepEqual(ready, { status: 'ready', model: basename(run), quality: true }); // a run is named by its folder
    assert.equal(service.state.service!.model.description, `clip-linear head (${run}) on pixel-projection features, quality head ${join(run, 'quality')}`);
  });

  it('tells the user a dark photo is too dark, and says nothing of darkness for clear photos', async () => {
    const val = planSample({ n: 600, seed: 11 }).splits.val;
    const dark = val.filter((i) => i.degradation === 'dark').slice(0, 3);
    const clear = val.filter((i) => i.degradation === 'none').slice(0, 3);
    assert.equal(dark.length, 3);
    for (const item of dark) {
      const r = await ask(await readFile(join(sampleDir, 'val', item.image)), item.question);
      assert.equal(r.quality[0].issue, 'too_dark', JSON.stringify(r));
      assert.ok(r.quality[0].probability > 0.9, JSON.stringify(r));
      assert.ok(r.answerable < 0.5, JSON.stringify(r));
      assert.equal(r.message, `I cannot answer that from this photo. ${QUALITY_ADVICE.too_dark}`);
    }
    for (const item of clear) {
      const r = await ask(await readFile(join(sampleDir, 'val', item.image)), item.question);
      assert.ok(!r.quality.some((q: { issue: string }) => q.issue === 'too_dark'), JSON.stringify(r));
    }
  });

  it('serves a run made before model.json recorded its encoder, from its training features', async () => {
    const old = join(scratch, 'old-run');
    await cp(run, old, { recursive: true });
    const description = JSON.parse(await readFile(join(old, 'model.json'), 'utf8'));
    delete description.encoderMetadata;
    await writeFile(join(old, 'model.json'), JSON.stringify(description));
    const model: AnswerModel = await loadServeModel(await chooseServeTarget({ run: old }), { device: 'cpu', quality: false });
    const photo = await decodeImage(await readFile(join(sampleDir, 'val', 'VizWiz_val_00000000.jpg')), 'x');
    const [a] = await model.answer([{ image: photo, question: 'What colour is this?' }]);
    const [b] = await service.state.service!.model.answer([{ image: photo, question: 'What colour is this?' }]);
    assert.equal(a!.answer, b!.answer);
    assert.ok(Math.abs(a!.answerable - b!.answerable) < 1e-6);
    await model.dispose();
    await rm(join(old, 'results.json'));
    await assert.rejects(loadServeModel(await chooseServeTarget({ run: old }), { device: 'cpu' }), {
      message: `${old}: model.json does not record how to rebuild encoder pixel-projection, and the training features it came from are not at hand; retrain with this version of vizwiz`,
    });
  });
});
