/**
 * Images for a stage that decodes them itself (PaliGemma's fine-tuning and answers), checked the way feature
 * extraction checks them (`--on-corrupt stop|skip`): each image is decoded once as it is read, so an unusable one is
 * caught here, where the folder or zip it came from is known.
 *   stop: a missing image (checked up front) or one that cannot be decoded is an error naming the folder or zip,
 *         the image, and what to do;
 *   skip: a blank (black) image takes its place - what the zero features of extraction's skip mean for the heads -
 *         and its name is kept in `skipped` for the log.
 * The extra decode costs milliseconds per image against seconds of PaliGemma per example.
 */
import sharp from 'sharp';
import { assertImagesPresent, type ImageSource } from '../data/image-source.js';
import { VizWizError } from '../errors.js';
import type { OnCorrupt } from '../features/extract.js';
import { decodeImage } from '../images/decode.js';
import { ImageFailure } from '../images/failure.js';

let blank: Promise<Buffer> | undefined;

/** An 8 x 8 black PNG (the preprocessing resizes it like any image). */
function blankImage(): Promise<Buffer> {
  blank ??= sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .png()
    .toBuffer();
  return blank;
}

export class CheckedImageSource implements ImageSource {
  /** Images replaced by a blank one (skip). */
  readonly skipped = new Set<string>();

  private constructor(
    private readonly inner: ImageSource,
    private readonly onCorrupt: OnCorrupt,
  ) {}

  /** Wraps `inner`; with 'stop', first checks that every image of `records` is there. */
  static async open(inner: ImageSource, records: readonly { image: string }[], onCorrupt: OnCorrupt): Promise<CheckedImageSource> {
    if (onCorrupt === 'stop') await assertImagesPresent(records, inner);
    return new CheckedImageSource(inner, onCorrupt);
  }

  get location(): string {
    return this.inner.location;
  }

  async has(name: string): Promise<boolean> {
    return this.onCorrupt === 'skip' || this.inner.has(name);
  }

  async read(name: string): Promise<Buffer> {
    try {
      const bytes = await this.inner.read(name);
      await decodeImage(bytes, name);
      return bytes;
    } catch (err) {
      const unusable = err instanceof ImageFailure || (err instanceof VizWizError && err.code === 'MISSING_IMAGE');
      if (!unusable) throw err;
      if (this.onCorrupt === 'skip') {
        this.skipped.add(name);
        return blankImage();
      }
      throw new VizWizError(
        'INVALID_IMAGE',
        `${this.location}: ${err.message}; replace or remove it, or rerun with --on-corrupt skip to use a blank image in its place`,
        { cause: err },
      );
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
