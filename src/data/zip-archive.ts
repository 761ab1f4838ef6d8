/**
 * Random-access reading of zip archives (the official VizWiz release ships train.zip, val.zip, test.zip and
 * Annotations.zip) without unpacking them. The central directory is read once; entries are then streamed on
 * demand. An entry whose name would escape the archive (absolute path, `..`, backslash) makes the archive
 * unusable: such archives are refused as a whole rather than silently half-read.
 *
 * Every read has a size limit (an image, an annotation file: src/data/size-limits.ts). An entry whose header declares
 * more is refused before anything is inflated; the inflated bytes are counted as they come, so an entry whose header
 * lies about its size is refused as soon as it inflates past the declared size (yauzl's own size check is turned off
 * for that reason: it would fail the same way with a message that names neither the entry nor what to do).
 */
import { posix } from 'node:path';
import yauzl from 'yauzl';
import { VizWizError } from '../errors.js';
import { readCapped } from './read-capped.js';
import { formatBytes } from './size-limits.js';

/** The limit of one read: the largest size accepted and what the entry is, for the message ("an image"). */
export interface EntryLimit {
  maxBytes: number;
  what: string;
}

/** What to do about an entry that is too large or lies about its size. */
const USE_OFFICIAL = 'use the unmodified official archive (re-download it if it was changed or damaged)';

/** yauzl exports this decoder but its type definitions omit it. */
const getFileNameLowLevel = (
  yauzl as unknown as {
    getFileNameLowLevel(flag: number, raw: Buffer, extra: unknown, strict: boolean): string;
  }
).getFileNameLowLevel;

export class ZipArchive {
  private constructor(
    readonly path: string,
    private readonly zip: yauzl.ZipFile,
    private readonly entries: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  /** Opens `path` and indexes its entries (directories excluded). */
  static async open(path: string): Promise<ZipArchive> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'file not found' : `not a readable zip file (${(err as Error).message})`;
      throw new VizWizError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARCHIVE', `${path}: ${reason}`, { cause: err });
    }
    try {
      const entries = await indexEntries(path, zip);
      return new ZipArchive(path, zip, entries);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /** Entry names (full paths inside the archive), in archive order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Reads one entry fully, refusing (INVALID_ARCHIVE, naming the archive and the entry) one that declares more than
   * `limit.maxBytes` or inflates to more than it declares. Throws NOT_FOUND naming the entry when absent.
   */
  async read(name: string, limit: EntryLimit): Promise<Buffer> {
    const entry = this.entries.get(name);
    if (!entry) throw new VizWizError('NOT_FOUND', `${this.path}: no entry named "${name}"`);
    const declared = entry.uncompressedSize;
    const where = `${this.path}: entry "${name}"`;
    if (declared > limit.maxBytes) {
      throw new VizWizError(
        'INVALID_ARCHIVE',
        `${where} would inflate to ${declared} bytes, over the ${formatBytes(limit.maxBytes)} limit for ${limit.what}; ` +
          `refusing to read it (a zip bomb or a damaged archive): ${USE_OFFICIAL}`,
      );
    }
    const corrupt = (err: unknown): VizWizError =>
      err instanceof VizWizError ? err : new VizWizError('INVALID_ARCHIVE', `${where} is corrupt (${(err as Error).message})`, { cause: err });
    let stream;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch (err) {
      throw corrupt(err);
    }
    const data = await readCapped(
      stream,
      declared,
      () =>
        new VizWizError(
          'INVALID_ARCHIVE',
          `${where} inflates to more than the ${declared} bytes its zip header declares; ` +
            `refusing to read it (a damaged or crafted archive): ${USE_OFFICIAL}`,
        ),
      corrupt,
    );
    if (data.length !== declared) {
      throw new VizWizError(
        'INVALID_ARCHIVE',
        `${where} is corrupt (it inflates to ${data.length} bytes, its zip header declares ${declared}): ${USE_OFFICIAL}`,
      );
    }
    return data;
  }

  close(): void {
    this.zip.close();
  }
}

function indexEntries(path: string, zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => {
      const raw = entry.fileName as unknown as Buffer;
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
      const problem = unsafeEntryProblem(name);
      if (problem) {
        reject(new VizWizError('INVALID_ARCHIVE', `${path}: entry "${name}" ${problem}; refusing to read this archive`));
        return;
      }
      if (!name.endsWith('/')) entries.set(name, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => reject(new VizWizError('INVALID_ARCHIVE', `${path}: not a readable zip file (${err.message})`, { cause: err })));
    zip.readEntry();
  });
}

/** Why an entry name would escape the archive, or undefined when it is safe. */
function unsafeEntryProblem(name: string): string | undefined {
  if (name.includes('\\')) return 'contains a backslash';
  if (name.includes('\0')) return 'contains a NUL character';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return 'is an absolute path that escapes the archive';
  if (name.split('/').includes('..')) return 'has a ".." component that escapes the archive';
  if (posix.normalize(name).startsWith('../')) return 'escapes the archive';
  return undefined;
}
