/**
 * Child process of device.test.ts: runs a one-node graph on --device webgpu and prints the outcome as one JSON line,
 * {"y": [..]} or {"code": .., "message": ..}. A child, because the Vulkan driver a process sees is fixed at start
 * (VK_DRIVER_FILES) and WebGPU looks for its adapter once per process.
 */
import { Graph } from '../../src/engine/graph.js';
import { GraphSession } from '../../src/engine/graph-session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { VizWizError } from '../../src/errors.js';

const g = new Graph('probe');
const x = g.input('x', 'float32', [3]);
g.output('y', g.op('Mul', [x, g.scalar(2, 'float32')], { dtype: 'float32', shape: [3] }));
try {
  const s = await GraphSession.create(g.encode(), { device: 'webgpu' });
  const out = await s.run({ x: Tensor.f32(Float32Array.of(1, -2.5, 4), [3]) });
  await s.dispose();
  process.stdout.write(`${JSON.stringify({ y: Array.from(out.y!.floats()) })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify(e instanceof VizWizError ? { code: e.code, message: e.message } : { code: 'BUG', message: String(e) })}\n`);
}
process.exit(0); // a GPU provider can keep handles open after the session is released
