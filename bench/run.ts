/**
 * Benchmark runner: `npm run bench -- NAME [args]` loads bench/NAME.ts and calls its `run(args)`.
 * Benchmarks print human-readable lines on stderr and a final JSON line on stdout.
 */
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [name, ...args] = process.argv.slice(2);
const here = new URL('.', import.meta.url);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args]; NAME is one of: ${available.join(', ')}`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(new URL(`${name}.ts`, here).pathname).href)) as {
  run(args: string[]): Promise<void>;
};
await mod.run(args);
