/**
 * Words of the synthetic world: the products printed on labels, soup flavours, shape names, number words,
 * and the question wordings of each family (varied and informal, like spoken VizWiz questions).
 */

/** Words printed on product boxes; the answer is the word in lower case. At most 6 letters (label width). */
export const PRODUCT_WORDS = [
  'SOUP',
  'BEANS',
  'CORN',
  'TEA',
  'MILK',
  'RICE',
  'PASTA',
  'COFFEE',
  'JUICE',
  'SUGAR',
  'SALT',
  'FLOUR',
  'HONEY',
  'OATS',
  'PEAS',
  'CEREAL',
] as const;

/** Flavours printed above "SOUP" on soup cans. */
export const SOUP_FLAVOURS = ['TOMATO', 'ONION', 'PEA', 'BEEF', 'CELERY', 'LENTIL', 'POTATO', 'CARROT', 'NOODLE'] as const;

/** Shape kinds the count and presence questions talk about, with their plural. */
export const SHAPE_NAMES = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
} as const;
export type ShapeName = keyof typeof SHAPE_NAMES;
export const SHAPE_KINDS = Object.keys(SHAPE_NAMES) as ShapeName[];

export const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'] as const;

export const COLOUR_QUESTIONS = [
  'What color is this?',
  'What colour is the object?',
  'What color is this object?',
  'Can you tell me what color this is?',
  'What color is this please?',
  'Hi, what color is this?',
  'What color is this thing?',
  'What colour is this?',
  'What color is the item in front of the camera?',
  'what color is this',
] as const;

export const PRODUCT_QUESTIONS = [
  'What is this?',
  'What is this product?',
  'What does this label say?',
  'What does this say?',
  'Can you tell me what this is?',
  "What's in this box?",
  'What kind of food is this?',
  'Please read the label.',
  'What is in this package?',
  'Hi, can you tell me what this is please?',
  'what is this',
] as const;

export const SOUP_QUESTIONS = [
  'What kind of soup is this?',
  'What flavor of soup is this?',
  'What soup is this?',
  'Which soup is this?',
  'Can you tell me what kind of soup this is?',
] as const;

/** `{shapes}` = plural shape name. */
export const COUNT_KIND_QUESTIONS = [
  'How many {shapes} are there?',
  'How many {shapes} do you see?',
  'How many {shapes} are in this picture?',
  'Can you count the {shapes}?',
  'How many {shapes}?',
] as const;

export const COUNT_ALL_QUESTIONS = [
  'How many shapes?',
  'How many shapes are there?',
  'How many objects are in this picture?',
  'How many things are on the table?',
  'How many items are there?',
] as const;

/** `{colour}` = colour name. */
export const IS_COLOUR_QUESTIONS = [
  'Is this {colour}?',
  'Is this object {colour}?',
  'Is it {colour}?',
  'Is the color of this {colour}?',
  'Is this {colour} or not?',
] as const;

/** `{shape}` / `{shapes}` = singular / plural shape name. */
export const IS_THERE_QUESTIONS = [
  'Is there a {shape}?',
  'Is there a {shape} in this picture?',
  'Do you see a {shape}?',
  'Are there any {shapes}?',
  'Is there a {shape} on the table?',
] as const;

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
