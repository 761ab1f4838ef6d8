/**
 * Pillow's resampling filters (libImaging/Resample.c), named as PIL.Image.Resampling names them, in lower case. A
 * filter is its kernel and the kernel's support at scale 1; the resampler widens both by the downscale factor. Adding
 * Pillow's others (box 0.5, hamming 1, lanczos 3) is one entry each, with a Pillow golden test.
 */

export interface ResampleFilter {
  /** Half-width of the kernel at scale 1, in input pixels. */
  readonly support: number;
  /** Kernel weight at distance `x` (input pixels at scale 1). */
  weight(x: number): number;
}

/** Pillow's BICUBIC is Keys' cubic convolution with a = -0.5. */
const BICUBIC_A = -0.5;

export const PIL_FILTERS = {
  /** Triangle (tent) filter: Image.Resampling.BILINEAR, torchvision's default for PIL images. */
  bilinear: {
    support: 1,
    weight(x: number): number {
      const t = Math.abs(x);
      return t < 1 ? 1 - t : 0;
    },
  },
  /** Keys cubic, a = -0.5: Image.Resampling.BICUBIC, what CLIP's and SigLIP's image processors use. */
  bicubic: {
    support: 2,
    weight(x: number): number {
      const a = BICUBIC_A;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
} as const satisfies Record<string, ResampleFilter>;

export type PilFilter = keyof typeof PIL_FILTERS;
