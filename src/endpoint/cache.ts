/**
 * The response cache of a hosted-model run: an append-only JSONL file, one line per answered question, written as
 * soon as the answer arrives, so a run killed at any moment (kill -9 included) resumes without asking again what was
 * answered. A line is keyed (key.ts) by everything that decides the answer - model, prompt, image bytes, decoding
 * settings - so a cache is never reused for another question, image or setting; it may be shared by runs that differ
 * otherwise (another --out, another shard). A kill in the middle of a write leaves at most a torn last line, which the
 * next open cuts off; a damaged line elsewhere is an error naming the line.
 */
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { VizWizError } from '../errors.js';
import { fileSystemError } from '../io/fs-errors.js';

export interface CachedAnswer {
  key: string;
  /** The question's image, for people reading the file. */
  image: string;
  /** The server's text, before normalisation. */
  content: string;
  model: string;
  prompt: string;
  at: string;
}

export class ResponseCache {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly entries: Map<string, CachedAnswer>,
    private readonly handle: FileHandle,
  ) {}

  /** Opens (or creates) the cache at `file`; `log` hears about a torn last line. */
  static async open(file: string, log: (line: string) => void = () => undefined): Promise<ResponseCache> {
    const entries = new Map<string, CachedAnswer>();
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemError(err, file) ?? err;
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) {
      // a write cut short by a kill: drop the partial line so the next one starts on its own line
      await truncate(file, Buffer.byteLength(text.slice(0, complete)));
      log(`endpoint: ${file}: dropped a partial last line (a run was interrupted while writing it)`);
    }
    text
      .slice(0, complete)
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let entry: CachedAnswer;
        try {
          entry = JSON.parse(line) as CachedAnswer;
        } catch {
          throw new VizWizError('INVALID_ARGUMENT', `${file}: line ${i + 1} is not JSON; remove that line (or the file, to ask every question again)`);
        }
        if (typeof entry.key !== 'string' || typeof entry.content !== 'string') {
          throw new VizWizError('INVALID_ARGUMENT', `${file}: line ${i + 1} has no key or content; remove that line (or the file)`);
        }
        entries.set(entry.key, entry);
      });
    let handle: FileHandle;
    try {
      handle = await open(file, 'a');
    } catch (err) {
      throw fileSystemError(err, file) ?? err;
    }
    return new ResponseCache(file, entries, handle);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedAnswer | undefined {
    return this.entries.get(key);
  }

  /** Appends one answer (one write of one line, in call order). */
  append(entry: CachedAnswer): Promise<void> {
    this.entries.set(entry.key, entry);
    const line = `${JSON.stringify(entry)}\n`;
    this.chain = this.chain.then(async () => {
      await this.handle.write(line);
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.handle.close();
  }
}
