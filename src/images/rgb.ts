/** The decoded image every preprocessor consumes. */

/** A decoded image: 8-bit RGB, row-major, `width * height * 3` bytes, EXIF orientation already applied. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}
