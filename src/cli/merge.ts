/**
 * `vizwiz merge --out FILE SHARD...`: joins the shards of `vizwiz extract --shard` (.safetensors) or `vizwiz predict
 * --shard` (.json) into the file an unsharded run writes, byte for byte, after checking that they come from the same
 * inputs and model and cover every question exactly once (src/shards/coverage.ts names what is foreign, duplicated
 * or missing). A thin layer over mergeFeatureShards and mergePredictionShards.
 */
import { extname } from 'node:path';
import { Command } from 'commander';
import { VizWizError } from '../errors.js';
import { mergeFeatureShards } from '../features/shard-file.js';
import { mergePredictionShards } from '../shards/predictions.js';
import { claimOutputFile } from './output.js';

const KINDS: Readonly<Record<string, 'features' | 'predictions'>> = { '.safetensors': 'features', '.json': 'predictions' };

/** The one kind of all `files`, from their extensions. */
function kindOf(files: readonly string[]): 'features' | 'predictions' {
  const kinds = new Set<string>();
  for (const file of files) {
    const kind = KINDS[extname(file).toLowerCase()];
    if (!kind) throw new VizWizError('USAGE', `${file}: not a shard file (feature shards end in .safetensors, prediction shards in .json)`);
    kinds.add(kind);
  }
  if (kinds.size > 1) throw new VizWizError('USAGE', 'the shards must be all feature shards (.safetensors) or all prediction shards (.json), not both');
  return [...kinds][0] as 'features' | 'predictions';
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('Join the shards of a sharded extract or predict into the file an unsharded run writes (checked: same inputs and model, every question once).')
    .argument('<shards...>', 'shard files: all .safetensors (features) or all .json (predictions)')
    .requiredOption('--out <file>', 'the merged feature or predictions file')
    .action(async (files: string[], o: { out: string }) => {
      const kind = kindOf(files);
      await claimOutputFile(o.out, 'merge', { lock: true });
      if (kind === 'features') {
        const r = await mergeFeatureShards(files, o.out);
        process.stderr.write(`merge: ${r.shards} feature shards, ${r.rows} rows -> ${o.out}\n`);
        if (r.failures.length > 0)
          process.stderr.write(`merge: ${r.failures.length} image(s) were skipped with zero features (listed in the .failures.json beside ${o.out})\n`);
      } else {
        const r = await mergePredictionShards(files, o.out);
        process.stderr.write(`merge: ${r.shards} prediction shards, ${r.rows} answers -> ${o.out}\n`);
      }
    });
}
