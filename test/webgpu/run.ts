/**
 * `npm run test:webgpu`: the test files listed in test/webgpu/tests.txt, run with VIZWIZ_DEVICE=webgpu (so every
 * golden and trainer test among them runs its sessions on the WebGPU provider). It installs nothing: when no WebGPU
 * adapter is found it stops at once and says what to install - on Debian/Ubuntu without a GPU, Mesa's lavapipe (a CPU
 * Vulkan driver, Mesa 23 or later: bookworm's own Mesa 22 is rejected by WebGPU), as .ci/run does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Graph } from '../../src/engine/graph.js';
import { GraphSession } from '../../src/engine/graph-session.js';
import { VizWizError } from '../../src/errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const INSTALL_HINT = [
  "No WebGPU adapter: `npm run test:webgpu` needs a Vulkan driver. With a GPU, install its vendor's Vulkan driver and",
  "libvulkan1. Without one, on Debian bookworm, install Mesa's lavapipe (a CPU Vulkan driver) from bookworm-backports:",
  "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list",
  '  apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1',
  "(bookworm's own Mesa 22 is too old: WebGPU rejects it). .ci/run does this when the packages are missing.",
].join('\n');

/** The listed test files, in order. */
export function listedTests(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Whether a WebGPU session starts here; the reason when it does not. */
async function adapterProblem(): Promise<string | null> {
  const g = new Graph('probe');
  g.output('y', g.op('Identity', [g.input('x', 'float32', [1])], { dtype: 'float32', shape: [1] }));
  try {
    const s = await GraphSession.create(g.encode(), { device: 'webgpu' });
    await s.dispose();
    return null;
  } catch (e) {
    if (e instanceof VizWizError && e.code === 'DEVICE_UNAVAILABLE') return e.message;
    throw e;
  }
}

async function main(): Promise<number> {
  const problem = await adapterProblem();
  if (problem) {
    process.stderr.write(`test:webgpu: ${problem}\n\n${INSTALL_HINT}\n`);
    return 1;
  }
  const files = listedTests(readFileSync(new URL('./tests.txt', import.meta.url), 'utf8'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, VIZWIZ_DEVICE: 'webgpu' },
  });
  return r.status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(await main());
