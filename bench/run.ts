/**
 * Benchmark runner: `npm run bench -- NAME [args]` loads bench/NAME.ts and calls its `run(args)`. Compiled (the
 * device bundle, scripts/device-bundle.sh) it loads bench/NAME.js the same way.
 * Benchmarks print human-readable lines on stderr and a final JSON line on stdout.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [name, ...args] = process.argv.slice(2);
const here = new URL('.', import.meta.url);
const ext = fileURLToPath(import.meta.url).endsWith('.js') ? '.js' : '.ts';
const available = readdirSync(here)
  .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && f !== `run${ext}` && !f.startsWith('_'))
  .map((f) => f.slice(0, -ext.length));

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args]; NAME is one of: ${available.join(', ')}`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(fileURLToPath(new URL(`${name}${ext}`, here))).href)) as {
  run(args: string[]): Promise<void>;
};
await mod.run(args);
