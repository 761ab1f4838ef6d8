/**
 * The quality head as the service uses it: a trained head folder (results.json + best/params.safetensors, see
 * src/train/quality.ts) with the encoder of its features. When that is the encoder the served model already runs,
 * the model's image features are reused; otherwise (PaliGemma, or a head on another encoder) the quality head's own
 * encoder is loaded and run on the same photos.
 */
import type { Device } from '../engine/device.js';
import type { RgbImage } from '../images/rgb.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import type { EncoderRecord } from '../train/encoder-record.js';
import { loadQualityHead, type QualityRunRecord } from '../train/quality.js';
import type { QualityPredictor } from '../train/quality-predictor.js';
import { encodePhotos, preprocessPhoto } from './encode-photos.js';
import { loadRecordedEncoder, sameEncoder } from './recorded-encoder.js';

export interface PhotoQualityOptions {
  device: Device;
  threads?: number;
  offline?: boolean;
  roots?: readonly string[];
  /** The served model's encoder, reused when the quality head was trained on its features. */
  shared?: { record: EncoderRecord; encoder: ImageTextEncoder };
}

export class PhotoQuality {
  private constructor(
    readonly dir: string,
    readonly record: QualityRunRecord,
    private readonly predictor: QualityPredictor,
    /** The quality head's own encoder; undefined when it reads the served model's features. */
    private readonly encoder: ImageTextEncoder | undefined,
  ) {}

  static async load(dir: string, o: PhotoQualityOptions): Promise<PhotoQuality> {
    const session = { device: o.device, ...(o.threads ? { threads: o.threads } : {}) };
    const { record, predictor } = await loadQualityHead(dir, session);
    if (o.shared && sameEncoder(o.shared.record, record.encoder) && o.shared.encoder.imageDim === record.dims.image) {
      return new PhotoQuality(dir, record, predictor, undefined);
    }
    const encoder = await loadRecordedEncoder(record.encoder, { ...o, dims: { image: record.dims.image }, owner: dir });
    return new PhotoQuality(dir, record, predictor, encoder);
  }

  /** The photo preprocessed for the quality head's own encoder (undefined when it reads the model's features). */
  async prepare(photo: RgbImage): Promise<Float32Array | undefined> {
    return this.encoder ? preprocessPhoto(this.encoder, photo) : undefined;
  }

  /**
   * Flag probabilities per photo (QUALITY_FLAGS order); `sharedFeatures` are the served model's [photos, Di];
   * `prepared[i]`, what prepare() gave for photo i.
   */
  async assess(photos: readonly RgbImage[], sharedFeatures?: Float32Array, prepared: readonly (Float32Array | undefined)[] = []): Promise<Float32Array[]> {
    const features = this.encoder ? await encodePhotos(this.encoder, photos, prepared) : sharedFeatures;
    if (!features) throw new Error("the quality head reads the served model's features, which were not given");
    const probs = await this.predictor.predict(features, photos.length);
    const f = this.record.flags.length;
    return photos.map((_, i) => probs.slice(i * f, (i + 1) * f));
  }

  async dispose(): Promise<void> {
    await this.predictor.dispose();
    await this.encoder?.dispose();
  }
}
