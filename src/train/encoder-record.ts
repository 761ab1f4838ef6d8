/**
 * What a trained head records about the encoder of its features, so a service can rebuild that encoder: the feature
 * file's metadata (encoder id, weights source and commit, architecture overrides `arch.*`, and the settings of
 * weight-free encoders such as the pixel projection's resolution and seed) without the per-file entries.
 */

/** Feature-file metadata that describes one file's rows rather than the encoder. */
const PER_FILE_KEYS = new Set(['rows', 'fingerprint', 'failures', 'image_dim', 'text_dim']);

export type EncoderRecord = Readonly<Record<string, string>>;

export function encoderRecord(metadata: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !PER_FILE_KEYS.has(k)));
}
