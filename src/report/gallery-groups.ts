/** The gallery's groups of examples, their headings and how many of each a report shows. */

export const GALLERY_CATEGORIES = ['disagreement', 'all-correct', 'failure'] as const;
export type GalleryCategory = (typeof GALLERY_CATEGORIES)[number];

/** How the reports title each group. */
export const GALLERY_HEADINGS: Record<GalleryCategory, string> = {
  disagreement: 'Models disagree',
  'all-correct': 'All models right',
  failure: 'Failure cases: every model wrong',
};

/** Most examples shown per group (defaults 6, 3 and 6). */
export type GalleryLimits = Partial<Record<GalleryCategory, number>>;
export const DEFAULT_GALLERY_LIMITS: Record<GalleryCategory, number> = { disagreement: 6, 'all-correct': 3, failure: 6 };
