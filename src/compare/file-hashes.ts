/**
 * Content hashes (SHA-256) of the files a comparison reads - images, model weights - remembered per path together
 * with the file's size, modification and change times and inode. A file whose stat is unchanged is not read again,
 * so a rerun on the 11 GB official release or a 12 GB checkpoint costs one stat per file, while a file replaced in
 * place (even with the same size) is hashed anew. The memory is one JSON file in the output folder.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeJsonAtomic } from '../io/atomic-write.js';

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

const FORMAT = 'vizwiz-file-hashes/1';

export class FileHashes {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Opens the memory in `file` (a missing or unreadable one starts empty: everything is hashed again). */
  static async open(file: string): Promise<FileHashes> {
    let entries = new Map<string, Entry>();
    try {
      const json = JSON.parse(await readFile(file, 'utf8')) as { format?: string; files?: Record<string, Entry> };
      if (json.format === FORMAT && json.files) entries = new Map(Object.entries(json.files));
    } catch {
      // first run, or a damaged file: start empty
    }
    return new FileHashes(file, entries);
  }

  /** The SHA-256 (hex) of the file at `path`. */
  async of(path: string): Promise<string> {
    const key = resolve(path);
    const s = await stat(key);
    const known = this.entries.get(key);
    if (known && known.size === s.size && known.mtimeMs === s.mtimeMs && known.ctimeMs === s.ctimeMs && known.ino === s.ino) {
      return known.sha256;
    }
    const hash = createHash('sha256');
    await pipeline(createReadStream(key), hash);
    const sha256 = hash.digest('hex');
    this.entries.set(key, { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, sha256 });
    this.changed = true;
    return sha256;
  }

  /** Writes the memory back when something was hashed. */
  async save(): Promise<void> {
    if (!this.changed) return;
    await writeJsonAtomic(this.file, { format: FORMAT, files: Object.fromEntries(this.entries) });
    this.changed = false;
  }
}
