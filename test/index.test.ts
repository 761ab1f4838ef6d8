/**
 * The library's public surface (src/index.ts, what package.json `main`/`types` point at once built): the entry
 * points a user reaches for exist and work together - annotations in, the official metric out, and a model built and
 * run through the engine's own tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vizwiz from '../src/index.js';

test('package.json main and types point at the built public index', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.main, 'dist/index.js');
  assert.equal(pkg.types, 'dist/index.d.ts');
  const build = JSON.parse(readFileSync(new URL('../tsconfig.build.json', import.meta.url), 'utf8'));
  assert.equal(build.compilerOptions.rootDir, 'src', 'src/index.ts compiles to dist/index.js');
});

test('parse annotations and score predictions with the official metric through the index', () => {
  const answers = (a: string[]) => a.map((answer) => ({ answer, answer_confidence: 'yes' }));
  const records = vizwiz.parseAnnotations(
    [
      {
        image: 'a.jpg',
        question: 'what?',
        answers: answers(['red', 'red', 'red', 'red', 'blue', 'blue', 'x', 'x', 'x', 'x']),
        answer_type: 'other',
        answerable: 1,
      },
      {
        image: 'b.jpg',
        question: 'is it?',
        answers: answers(['yes', 'yes', 'no', 'no', 'no', 'no', 'no', 'no', 'no', 'no']),
        answer_type: 'yes/no',
        answerable: 1,
      },
    ],
    'inline.json',
    'answered',
  );
  const result = vizwiz.evaluate(records, [
    { image: 'a.jpg', answer: 'Red.' },
    { image: 'b.jpg', answer: 'yes' },
  ]);
  // red: 4 matches -> 1.0; yes: 2 matches -> 0.6 with the official leave-one-out; mean 80.00 percent.
  assert.equal(result.overall, 80);
  assert.equal(vizwiz.normalizeAnswer('Red.'), 'red');
});

test('a model defined and run through the engine with the index alone', async () => {
  const model: vizwiz.ModelDef = {
    name: 'linear',
    params: [{ name: 'w', shape: [2, 1], init: { kind: 'constant', value: 0 } }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['B', 2] }],
    forward: (ctx: vizwiz.BuildContext) => ({ y: ctx.graph.op('MatMul', [ctx.input('x'), ctx.weight('w')], { dtype: 'float32', shape: ['B', 1] }) }), // (B, 1)
  };
  const runner = await vizwiz.InferenceRunner.create(vizwiz.buildInference(model), new Map([['w', Float32Array.of(2, 3)]]), { threads: 1 });
  const out = await runner.run({ x: vizwiz.Tensor.f32(Float32Array.of(1, 1, 2, 0), [2, 2]) });
  assert.deepEqual(Array.from(out.y!.floats()), [5, 4]);
  assert.deepEqual(out.y!.dims, [2, 1]);
  await runner.dispose();
});
