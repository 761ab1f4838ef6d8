/**
 * Where images come from: a folder of JPEGs, or an official zip (train.zip holds `train/VizWiz_train_*.jpg`)
 * read in place. Both answer to the bare image name used in the annotations (`VizWiz_train_00000000.jpg`).
 * An image larger than the image size limit (src/data/size-limits.ts) is refused before it is read or inflated.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { listNames, VizWizError } from '../errors.js';
import { DEFAULT_SIZE_LIMITS, formatBytes, type SizeLimits } from './size-limits.js';
import { ZipArchive, type EntryLimit } from './zip-archive.js';

export interface ImageSource {
  /** The folder or zip path, for messages. */
  readonly location: string;
  has(name: string): Promise<boolean>;
  /** The encoded image bytes. Throws VizWizError('MISSING_IMAGE') naming the image when absent. */
  read(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Annotation image names are bare file names; anything with a path in it could escape the folder. */
function checkImageName(name: string, location: string): void {
  if (name !== basename(name) || name === '..' || name === '.' || name.includes('\\')) {
    throw new VizWizError('MISSING_IMAGE', `${location}: image name "${name}" is not a plain file name`);
  }
}

function missing(location: string, name: string): VizWizError {
  return new VizWizError('MISSING_IMAGE', `${location}: image "${name}" not found`);
}

function imageLimit(limits: Partial<SizeLimits>): EntryLimit {
  return { maxBytes: limits.maxImageBytes ?? DEFAULT_SIZE_LIMITS.maxImageBytes, what: 'an image' };
}

export class FolderImageSource implements ImageSource {
  private readonly limit: EntryLimit;

  constructor(
    readonly location: string,
    limits: Partial<SizeLimits> = {},
  ) {
    this.limit = imageLimit(limits);
  }

  async has(name: string): Promise<boolean> {
    checkImageName(name, this.location);
    try {
      await access(join(this.location, name));
      return true;
    } catch {
      return false;
    }
  }

  async read(name: string): Promise<Buffer> {
    checkImageName(name, this.location);
    const file = join(this.location, name);
    try {
      const { size } = await stat(file);
      if (size > this.limit.maxBytes) {
        throw new VizWizError(
          'INVALID_IMAGE',
          `${file}: ${size} bytes, over the ${formatBytes(this.limit.maxBytes)} limit for ${this.limit.what}; ` +
            'refusing to read it: replace it with the official image, or remove its entry from the annotations',
        );
      }
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(this.location, name);
      throw err;
    }
  }

  async close(): Promise<void> {}
}

class ZipImageSource implements ImageSource {
  private constructor(
    private readonly archive: ZipArchive,
    private readonly byName: ReadonlyMap<string, string>,
    private readonly limit: EntryLimit,
  ) {}

  get location(): string {
    return this.archive.path;
  }

  /** Opens a zip and indexes its files by bare name; two files with one name in different folders is an error. */
  static async open(path: string, limits: Partial<SizeLimits> = {}): Promise<ZipImageSource> {
    const archive = await ZipArchive.open(path);
    const byName = new Map<string, string>();
    const clashes: string[] = [];
    for (const entry of archive.names()) {
      const name = basename(entry);
      const earlier = byName.get(name);
      if (earlier !== undefined) clashes.push(`${earlier} and ${entry}`);
      else byName.set(name, entry);
    }
    if (clashes.length > 0) {
      archive.close();
      throw new VizWizError('INVALID_ARCHIVE', `${path}: several entries share a file name: ${listNames(clashes)}`);
    }
    return new ZipImageSource(archive, byName, imageLimit(limits));
  }

  async has(name: string): Promise<boolean> {
    return this.byName.has(name);
  }

  async read(name: string): Promise<Buffer> {
    checkImageName(name, this.location);
    const entry = this.byName.get(name);
    if (entry === undefined) throw missing(this.location, name);
    return this.archive.read(entry, this.limit);
  }

  async close(): Promise<void> {
    this.archive.close();
  }
}

/** Opens a folder or a `.zip` file as an image source; `limits.maxImageBytes` caps one image (default 64 MiB). */
export async function openImageSource(path: string, limits: Partial<SizeLimits> = {}): Promise<ImageSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new VizWizError('NOT_FOUND', `${path}: no such image folder or zip file`);
  }
  if (isDir) return new FolderImageSource(path, limits);
  if (path.toLowerCase().endsWith('.zip')) return ZipImageSource.open(path, limits);
  throw new VizWizError('INVALID_ARGUMENT', `${path}: images must be a folder or a .zip file`);
}

/** Names of the images that the records mention but the source lacks, in record order. */
export async function findMissingImages(records: readonly { image: string }[], source: ImageSource): Promise<string[]> {
  const absent: string[] = [];
  for (const { image } of records) if (!(await source.has(image))) absent.push(image);
  return absent;
}

/** Throws VizWizError('MISSING_IMAGE') listing the first 10 missing images and a count. */
export async function assertImagesPresent(records: readonly { image: string }[], source: ImageSource): Promise<void> {
  const absent = await findMissingImages(records, source);
  if (absent.length > 0) {
    const noun = absent.length === 1 ? 'image' : 'images';
    throw new VizWizError('MISSING_IMAGE', `${source.location}: ${absent.length} ${noun} missing: ${listNames(absent)}`);
  }
}
