/**
 * `vizwiz doctor [--device webgpu|cuda|cpu] [--graphs a,b] [--json] [--verbose]`: where onnxruntime runs each graph
 * the toolkit builds on a device (models/graph-catalogue.ts at tiny size; engine/placement.ts). Prints, per graph, its
 * nodes in all, on the device and on the CPU - naming the CPU's ops - and the host-device copies inside one run, then
 * whether any heavy op (product, convolution, attention, normalisation, softmax) fell back to the CPU. Counts are
 * nodes, not FLOPs: the graphs' shapes are dynamic, and what a GPU leaves to the CPU is shape arithmetic, (B, T)
 * comparisons of the int64 inputs and the optimizer's float64 scalars.
 */
import { Command } from 'commander';
import { parseDevice } from '../engine/device.js';
import { formatOpCounts, formatPlacementTable, heavyOnCpu, opCounts, summarizePlacement } from '../engine/placement.js';
import { placeToolkitGraphs } from '../models/graph-catalogue.js';
import { availableDevice, VERBOSE_OPTION } from './options.js';

interface DoctorOptions {
  device: string;
  graphs?: string;
  json: boolean;
  verbose?: boolean;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Report where onnxruntime runs each graph of the toolkit on a device: nodes on the device and on the CPU.')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, 'webgpu')
    .option('--graphs <list>', 'comma-separated graph names (default: all)')
    .option('--json', 'print one JSON object per graph instead of the table', false)
    .option(...VERBOSE_OPTION)
    .action(async (o: DoctorOptions) => {
      const device = parseDevice(o.device);
      const progress = process.stderr.isTTY && !process.env.CI;
      const placements = await placeToolkitGraphs(device, {
        ...(o.graphs
          ? {
              only: o.graphs
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        onGraph: (name, i, n) => progress && process.stderr.write(`placing ${name} (${i + 1}/${n})\n`),
      });
      if (o.json) {
        for (const p of placements)
          process.stdout.write(`${JSON.stringify({ ...summarizePlacement(p), device, heavyOnCpu: heavyOnCpu(p).map((n) => n.opType) })}\n`);
        return;
      }
      const heavy = placements.flatMap((p) => heavyOnCpu(p).map((n) => ({ graph: p.graph, node: n })));
      const lines = [
        `onnxruntime's placement of the toolkit's graphs on ${device} (tiny configs: placement depends on op types, not sizes; node counts, fused nodes once)`,
        formatPlacementTable(placements),
        heavy.length === 0
          ? 'heavy ops left to the cpu: none'
          : `heavy ops left to the cpu: ${[...new Set(heavy.map((h) => h.graph))].map((g) => `${g} (${formatOpCounts(opCounts(heavy.filter((h) => h.graph === g).map((h) => h.node)))})`).join('; ')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
