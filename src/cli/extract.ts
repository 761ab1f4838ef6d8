/**
 * `vizwiz extract --encoder clip-vit-l14-336|resnet50|pixel-projection --annotations A --images DIR|ZIP --out F
 *  [--device cpu|cuda|webgpu] [--dtype f32|f16] [--batch-size B] [--model SOURCE] [--on-corrupt stop|skip] [--offline] [--shard i/n]`:
 * writes the feature file that `vizwiz train` and `vizwiz predict` read (`image` [N, Di], `text` [N, Dt] for encoders
 * with a text tower, rows in annotation order). A thin layer over the encoder registry and extractFeatures: rerunning
 * an interrupted command resumes it. pixel-projection keeps its own options (--image-dim, --text-dim, --seed).
 * `--shard i/n` (or auto/n in a Kubernetes Indexed Job or a Slurm array) writes one shard for `vizwiz merge`.
 */
import { Command } from 'commander';
import { loadQuestions } from '../data/annotations.js';
import { openImageSource } from '../data/image-source.js';
import { parseDevice } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import { extractFeatures, type OnCorrupt } from '../features/extract.js';
import { encoderIds, loadEncoder } from '../features/registry.js';
import { PIXEL_PROJECTION_DEFAULTS } from '../features/pixel-projection.js';
import { parseShard, shardLabel } from '../shards/spec.js';
import { claimOutputFile } from './output.js';
import { availableDevice, checkQuantizeDevice, computeDtype, DTYPE_OPTION, parseChoice, parseWhole, QUANTIZE_OPTION, VERBOSE_OPTION } from './options.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';

interface ExtractCliOptions {
  encoder: string;
  quantize?: QuantSchemeName;
  annotations: string;
  images: string;
  out: string;
  device: string;
  dtype: string;
  batchSize: string;
  model?: string;
  onCorrupt: string;
  offline?: boolean;
  threads?: string;
  imageDim?: string;
  textDim?: string;
  seed?: string;
  shard?: string;
}

/** pixel-projection's own options as architecture overrides; refused for other encoders. */
function overridesFrom(o: ExtractCliOptions): Record<string, number> {
  const given = { imageDim: o.imageDim, textDim: o.textDim, seed: o.seed };
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(given)) {
    if (raw === undefined) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (o.encoder !== 'pixel-projection') throw new VizWizError('USAGE', `${flag} applies to --encoder pixel-projection only`);
    out[key] = parseWhole(raw, flag, key === 'seed' ? 0 : 1);
  }
  return out;
}

export function extractCommand(): Command {
  return new Command('extract')
    .description('Extract image (and question) features for every annotation entry into a safetensors file; rerun to resume.')
    .option('--encoder <name>', `feature encoder: ${encoderIds().join(', ')}`, 'pixel-projection')
    .requiredOption('--annotations <file>', 'annotation JSON file (train, val or test)')
    .requiredOption('--images <path>', 'image folder or zip file')
    .requiredOption('--out <file>', 'output .safetensors file (work in progress is kept in <file>.parts/)')
    .option('--device <device>', 'cpu, cuda or webgpu', availableDevice, 'cpu')
    .option(...VERBOSE_OPTION)
    .option(...QUANTIZE_OPTION)
    .option(...DTYPE_OPTION)
    .option('--batch-size <n>', 'images per encoder call', '8')
    .option('--model <source>', "weights: a local folder or hf:org/repo[@revision] (default: the encoder's)")
    .option('--on-corrupt <mode>', 'missing or undecodable image: stop, or skip (zero features; listed in a .failures.json beside --out)', 'stop')
    .option('--offline', 'never use the network: models must be cached (also VIZWIZ_OFFLINE=1 or HF_HUB_OFFLINE=1)')
    .option('--threads <n>', "CPU threads for the encoder (default: onnxruntime's choice)")
    .option('--image-dim <n>', `image feature size (pixel-projection, default ${PIXEL_PROJECTION_DEFAULTS.imageDim})`)
    .option('--text-dim <n>', `question feature size (pixel-projection, default ${PIXEL_PROJECTION_DEFAULTS.textDim})`)
    .option('--seed <s>', `projection seed (pixel-projection, default ${PIXEL_PROJECTION_DEFAULTS.seed})`)
    .option(
      '--shard <i/n>',
      'extract only shard i of n (0-based), or auto/n from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID; join the shards with vizwiz merge',
    )
    .action(async (o: ExtractCliOptions) => {
      parseChoice(o.encoder, '--encoder', encoderIds());
      const onCorrupt = parseChoice<OnCorrupt>(o.onCorrupt, '--on-corrupt', ['stop', 'skip']);
      const batchSize = parseWhole(o.batchSize, '--batch-size', 1, 4096);
      const overrides = overridesFrom(o);
      const device = parseDevice(o.device);
      const dtype = computeDtype(o.dtype, device, o.quantize);
      checkQuantizeDevice(o.quantize, device);
      const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
      await claimOutputFile(o.out, 'extract', { lock: true });
      const questions = await loadQuestions(o.annotations);
      const encoder = await loadEncoder(o.encoder, {
        device,
        overrides,
        ...(dtype !== 'float32' ? { dtype } : {}),
        ...(o.model !== undefined ? { source: o.model } : {}),
        ...(o.offline ? { offline: true } : {}),
        ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1, 1024) } : {}),
        ...(o.quantize !== undefined ? { quantize: o.quantize, log: (line: string) => process.stderr.write(`extract: ${line}\n`) } : {}),
      });
      try {
        const images = await openImageSource(o.images);
        try {
          const r = await extractFeatures({ questions, images, encoder, out: o.out, batchSize, onCorrupt, ...(shard ? { shard } : {}) });
          const rows = shard ? `shard ${shardLabel(shard)}: ${r.rows} of ${r.totalRows} rows` : `${r.rows} rows`;
          if (r.upToDate) process.stderr.write(`extract: ${o.out} is up to date (${rows}); nothing to do\n`);
          else process.stderr.write(`extract: ${rows} -> ${o.out}${r.resumedRows > 0 ? ` (${r.resumedRows} resumed)` : ''}\n`);
          if (r.failures.length > 0) {
            process.stderr.write(`extract: ${r.failures.length} image(s) skipped with zero features; listed in ${r.failuresFile}\n`);
          }
        } finally {
          await images.close();
        }
      } finally {
        await encoder.dispose();
      }
    });
}
