/** The four content types of the visual-question data, in index order. */
export const CONTENT_TYPES = ['mnist', 'fashion-mnist', 'text', 'chart'] as const;
/** A content type name. */
export type ContentType = (typeof CONTENT_TYPES)[number];

/** Fashion-MNIST classes in label order, as one-word answers. */
export const FASHION_CLASSES = [
  'tshirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'boot',
];

/** Fashion-MNIST labels that are footwear (sandal, sneaker, ankle boot). */
export const FOOTWEAR = new Set([5, 7, 9]);

/** Letters of the rendered strings (ten, none easily confused with a digit). */
export const TEXT_ALPHABET = 'ACEHKMPSTX'.split('');

/** Shortest rendered string. */
export const MIN_TEXT_LENGTH = 3;
/** Longest rendered string; shorter strings are padded with a blank slot in the OCR targets. */
export const MAX_TEXT_LENGTH = 4;

/** Most bars in a chart. */
export const MAX_BARS = 6;
/** Fewest bars in a chart. */
export const MIN_BARS = 3;

/**
 * The shared answer vocabulary of every question: digits (also used for counts and bar
 * positions), clothing classes, letters, yes / no.
 */
export const ANSWERS: readonly string[] = [
  ...'0123456789'.split(''),
  ...FASHION_CLASSES,
  ...TEXT_ALPHABET,
  'yes',
  'no',
];

const answerIndex = new Map(ANSWERS.map((a, i) => [a, i]));

/** Index of an answer in {@link ANSWERS}; unknown answers are an error naming the answer. */
export function answerId(answer: string): number {
  const i = answerIndex.get(answer);
  if (i === undefined) throw new Error(`answerId: "${answer}" is not in the answer vocabulary`);
  return i;
}

/** What a question template needs to know about an image. */
export interface ImageFacts {
  type: ContentType;
  /** Digit or clothing class (mnist / fashion-mnist), else -1. */
  label: number;
  /** The rendered string (text), else ''. */
  text: string;
  /** Bar heights in (0, 1] (chart), else []. */
  bars: number[];
}

/** A question about one content type, with paraphrases and its answer rule. */
export interface QuestionTemplate {
  id: string;
  type: ContentType;
  /** Phrasings; one is drawn per sample. */
  phrasings: string[];
  answer(f: ImageFacts): string;
}

const argBy = (xs: number[], better: (a: number, b: number) => boolean) =>
  xs.reduce((best, v, i) => (better(v, xs[best]) ? i : best), 0);

/** Every question template, grouped by content type in {@link CONTENT_TYPES} order. */
export const QUESTIONS: readonly QuestionTemplate[] = [
  {
    id: 'digit-class',
    type: 'mnist',
    phrasings: ['what digit is shown', 'which digit is this'],
    answer: (f) => String(f.label),
  },
  {
    id: 'digit-odd',
    type: 'mnist',
    phrasings: ['is the digit odd', 'is this an odd number'],
    answer: (f) => (f.label % 2 === 1 ? 'yes' : 'no'),
  },
  {
    id: 'fashion-class',
    type: 'fashion-mnist',
    phrasings: ['what clothing item is shown', 'which kind of garment is this'],
    answer: (f) => FASHION_CLASSES[f.label],
  },
  {
    id: 'fashion-footwear',
    type: 'fashion-mnist',
    phrasings: ['is this item footwear', 'is this worn on the feet'],
    answer: (f) => (FOOTWEAR.has(f.label) ? 'yes' : 'no'),
  },
  {
    id: 'text-first',
    type: 'text',
    phrasings: ['what is the first letter', 'which letter comes first'],
    answer: (f) => f.text[0],
  },
  {
    id: 'text-last',
    type: 'text',
    phrasings: ['what is the last letter', 'which letter comes last'],
    answer: (f) => f.text[f.text.length - 1],
  },
  {
    id: 'text-length',
    type: 'text',
    phrasings: ['how many letters are written', 'how long is the word'],
    answer: (f) => String(f.text.length),
  },
  {
    id: 'chart-count',
    type: 'chart',
    phrasings: ['how many bars are there', 'how many bars does the chart show'],
    answer: (f) => String(f.bars.length),
  },
  {
    id: 'chart-shortest',
    type: 'chart',
    phrasings: ['which bar is the shortest', 'which bar has the smallest value'],
    answer: (f) => String(argBy(f.bars, (a, b) => a < b) + 1),
  },
  {
    id: 'chart-tallest',
    type: 'chart',
    phrasings: ['which bar is the tallest', 'which bar has the largest value'],
    answer: (f) => String(argBy(f.bars, (a, b) => a > b) + 1),
  },
];

/** The expert pool: one specialist per content type, each with rewritten descriptions for the router. */
export const EXPERT_DESCRIPTIONS: Record<ContentType, string[]> = {
  mnist: [
    'recognises handwritten digits',
    'reads hand drawn numbers from zero to nine',
    'a model of handwritten numerals',
  ],
  'fashion-mnist': [
    'recognises clothing and shoes',
    'classifies garments and footwear',
    'knows fashion items such as shirts and bags',
  ],
  text: [
    'reads printed text characters',
    'optical character reader for short strings',
    'recognises letters in rendered words',
  ],
  chart: [
    'parses bar charts and their values',
    'measures bar heights in plots',
    'reads data from simple charts',
  ],
};

/** Word vocabulary of questions and expert descriptions; id 0 is padding. */
export const WORDS: readonly string[] = [
  '<pad>',
  ...[
    ...new Set(
      [...QUESTIONS.flatMap((q) => q.phrasings), ...Object.values(EXPERT_DESCRIPTIONS).flat()].flatMap((s) =>
        s.split(' '),
      ),
    ),
  ].sort(),
];

const wordIndex = new Map(WORDS.map((w, i) => [w, i]));

/** Longest phrase (question or description) in words. */
export const MAX_WORDS = Math.max(
  ...[...QUESTIONS.flatMap((q) => q.phrasings), ...Object.values(EXPERT_DESCRIPTIONS).flat()].map(
    (s) => s.split(' ').length,
  ),
);

/** Word ids of a phrase, padded with 0 to `length` (default {@link MAX_WORDS}); unknown words are an error. */
export function tokenize(phrase: string, length = MAX_WORDS): Int32Array {
  const words = phrase.trim().toLowerCase().split(/\s+/);
  if (words.length > length) throw new Error(`tokenize: "${phrase}" has more than ${length} words`);
  const out = new Int32Array(length);
  words.forEach((w, i) => {
    const id = wordIndex.get(w);
    if (id === undefined) throw new Error(`tokenize: unknown word "${w}" in "${phrase}"`);
    out[i] = id;
  });
  return out;
}
