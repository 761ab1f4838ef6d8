/**
 * `--verbose` (every command that takes --device has it; it turns on onnxruntime's warnings for the sessions of that
 * command only, through the engine's VIZWIZ_VERBOSE default) and `vizwiz doctor` (the placement report) on the CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { endVerboseSessions, VERBOSE_OPTION } from '../../src/cli/options.js';
import { defaultVerbose, ortSessionOptions } from '../../src/engine/graph-session.js';
import { runVizwiz } from '../helpers/cli.js';

test('every command that takes --device also takes --verbose', () => {
  const commands = buildProgram().commands.filter((c) => c.options.some((o) => o.long === '--device'));
  assert.deepEqual(commands.map((c) => c.name()).sort(), ['compare', 'doctor', 'extract', 'finetune', 'predict', 'serve', 'train']);
  for (const c of commands)
    assert.ok(
      c.options.some((o) => o.long === '--verbose'),
      c.name(),
    );
});

test("sessions print onnxruntime's warnings with verbose, or VIZWIZ_VERBOSE=1 when they do not say; errors only otherwise", () => {
  assert.equal(defaultVerbose({}), false);
  assert.equal(defaultVerbose({ VIZWIZ_VERBOSE: '1' }), true);
  const before = process.env.VIZWIZ_VERBOSE;
  try {
    delete process.env.VIZWIZ_VERBOSE;
    assert.equal(ortSessionOptions({}).logSeverityLevel, 3);
    assert.equal(ortSessionOptions({ verbose: true }).logSeverityLevel, 2);
    process.env.VIZWIZ_VERBOSE = '1';
    assert.equal(ortSessionOptions({}).logSeverityLevel, 2);
    assert.equal(ortSessionOptions({ verbose: false }).logSeverityLevel, 3);
  } finally {
    if (before === undefined) delete process.env.VIZWIZ_VERBOSE;
    else process.env.VIZWIZ_VERBOSE = before;
  }
});

test('--verbose holds for the command it is given to, and is undone after', async () => {
  const seen: (string | undefined)[] = [];
  const program = buildProgram();
  program.addCommand(new Command('probe').option(...VERBOSE_OPTION).action(() => void seen.push(process.env.VIZWIZ_VERBOSE)));
  const before = process.env.VIZWIZ_VERBOSE;
  delete process.env.VIZWIZ_VERBOSE;
  try {
    await program.parseAsync(['node', 'vizwiz', 'probe', '--verbose']);
    endVerboseSessions();
    assert.equal(process.env.VIZWIZ_VERBOSE, undefined);
    await buildProgram()
      .addCommand(new Command('probe').option(...VERBOSE_OPTION).action(() => void seen.push(process.env.VIZWIZ_VERBOSE)))
      .parseAsync(['node', 'vizwiz', 'probe']);
    assert.deepEqual(seen, ['1', undefined]);
  } finally {
    endVerboseSessions();
    if (before !== undefined) process.env.VIZWIZ_VERBOSE = before;
  }
});

test('doctor on the CPU: every node of each graph placed on the CPU provider, no heavy op left behind', () => {
  const r = runVizwiz(['doctor', '--device', 'cpu', '--graphs', 'heads-evaluation,lora-optimizer-update']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /placement of the toolkit's graphs on cpu/);
  assert.match(lines[1] ?? '', /^graph\s+nodes\s+on cpu\s+left to cpu\s+copies\s+ops left to the cpu$/);
  // In catalogue order, whatever the order asked for.
  assert.match(lines[2] ?? '', /^lora-optimizer-update\s+(\d+)\s+\1\s+0\s+0\s+-$/);
  assert.match(lines[3] ?? '', /^heads-evaluation\s+(\d+)\s+\1\s+0\s+0\s+-$/);
  assert.equal(lines[4], 'heavy ops left to the cpu: none');
  const json = runVizwiz(['doctor', '--device', 'cpu', '--graphs', 'heads-evaluation', '--json']);
  const row = JSON.parse(json.stdout) as { graph: string; device: string; onCpu: number; heavyOnCpu: string[] };
  assert.deepEqual([row.graph, row.device, row.onCpu, row.heavyOnCpu], ['heads-evaluation', 'cpu', 0, []]);
});

test('doctor with an unknown graph is a usage error naming the graphs there are', () => {
  const r = runVizwiz(['doctor', '--device', 'cpu', '--graphs', 'nope']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown graph\(s\) nope: choose from clip-vision, clip-text, clip-vision-f16, clip-text-f16, resnet50, .*heads-evaluation/);
});
