import { WordTokenizer } from '../tokenizer';

/** Digit names as used in questions and captions, index = digit. */
export const DIGIT_NAMES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
] as const;

/** The answer classes of digit VQA, index = class id: yes/no, the four halves, the ten digit names. */
export const VQA_ANSWERS = ['yes', 'no', 'top', 'bottom', 'left', 'right', ...DIGIT_NAMES] as const;
export type VqaAnswer = (typeof VQA_ANSWERS)[number];

/**
 * Question families. `parity`, `compare` and `ink` need both the image and the question (the
 * cross-modal VQA questions); `digit` ("what is the digit ?") is the captioning question of the
 * alignment stage.
 */
export const QUESTION_TYPES = ['parity', 'compare', 'ink', 'digit'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The cross-modal families asked by default. */
export const CROSS_MODAL_TYPES: readonly QuestionType[] = ['parity', 'compare', 'ink'];

/** Ink mass of the four image halves (sums of pixel values). */
export interface InkHalves {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** One generated question with its answer class (index into {@link VQA_ANSWERS}). */
export interface VqaQuestion {
  text: string;
  answer: number;
  type: QuestionType;
}

const YES = 0;
const NO = 1;
const answerId = (a: VqaAnswer) => VQA_ANSWERS.indexOf(a);

/** Ink of the top/bottom/left/right halves of a 28 × 28 image given as 784 row-major values. */
export function inkHalves(image: ArrayLike<number>, size = 28): InkHalves {
  if (image.length !== size * size) {
    throw new Error(`inkHalves: image has ${image.length} values, expected ${size}x${size}`);
  }
  const half = size / 2;
  const ink: InkHalves = { top: 0, bottom: 0, left: 0, right: 0 };
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = image[r * size + c];
      if (r < half) ink.top += v;
      else ink.bottom += v;
      if (c < half) ink.left += v;
      else ink.right += v;
    }
  }
  return ink;
}

/** Relative ink difference |a - b| / (a + b) (0 for an empty image). */
function contrast(a: number, b: number): number {
  return a + b > 0 ? Math.abs(a - b) / (a + b) : 0;
}

/**
 * Draws a question about a digit from one of `families` (uniformly): parity ("is the digit even ?"),
 * comparison with a number named in the question ("is the digit greater than five ?"; relation and
 * number are drawn so that each question text is answered "yes" half of the time over uniform
 * digits, trivial ones such as "greater than nine" never), which half
 * holds more ink where the question picks the axis ("more ink : top or bottom ?"), or the caption
 * question "what is the digit ?". Ink questions are only asked when the halves differ by at least
 * `inkMargin` (relative); otherwise another of the families is drawn.
 *
 * @example
 * ```ts
 * const q = askQuestion(7, inkHalves(img), makeRng(0)); // e.g. { text: 'is the digit odd ?', answer: 0, type: 'parity' }
 * ```
 */
export function askQuestion(
  label: number,
  ink: InkHalves,
  rng: () => number,
  o: { inkMargin?: number; families?: readonly QuestionType[] } = {},
): VqaQuestion {
  if (!Number.isInteger(label) || label < 0 || label > 9) {
    throw new RangeError(`askQuestion: label must be a digit 0..9, got ${label}`);
  }
  const families = o.families ?? CROSS_MODAL_TYPES;
  if (families.length === 0) throw new Error('askQuestion: families is empty');
  for (const f of families) {
    if (!QUESTION_TYPES.includes(f)) throw new Error(`askQuestion: unknown question family "${f}"`);
  }
  let family = families[Math.floor(rng() * families.length)];
  if (family === 'ink') {
    const vertical = rng() < 0.5;
    const [a, b, wa, wb]: [number, number, VqaAnswer, VqaAnswer] = vertical
      ? [ink.top, ink.bottom, 'top', 'bottom']
      : [ink.left, ink.right, 'left', 'right'];
    if (contrast(a, b) >= (o.inkMargin ?? 0.1)) {
      return { text: `more ink : ${wa} or ${wb} ?`, answer: answerId(a > b ? wa : wb), type: 'ink' };
    }
    const others = families.filter((f) => f !== 'ink');
    family = others.length ? others[Math.floor(rng() * others.length)] : 'parity';
  }
  if (family === 'parity') {
    const even = rng() < 0.5;
    return {
      text: `is the digit ${even ? 'even' : 'odd'} ?`,
      answer: even === (label % 2 === 0) ? YES : NO,
      type: 'parity',
    };
  }
  if (family === 'digit')
    return { text: 'what is the digit ?', answer: answerId(DIGIT_NAMES[label]), type: 'digit' };
  // Comparison: draw (relation, number) and accept so that, for uniformly distributed digits, "yes"
  // has probability 1/2 for every question text — the question alone tells nothing.
  for (;;) {
    const n = Math.floor(rng() * 10);
    const greater = rng() < 0.5;
    const pYes = greater ? (9 - n) / 10 : n / 10;
    const holds = greater ? label > n : label < n;
    const accept = holds ? (1 - pYes) / pYes : pYes / (1 - pYes);
    if (rng() < accept) {
      return {
        text: `is the digit ${greater ? 'greater' : 'less'} than ${DIGIT_NAMES[n]} ?`,
        answer: holds ? YES : NO,
        type: 'compare',
      };
    }
  }
}

/** Shifts a 28 × 28 image by (dx, dy) pixels (right/down positive), filling with 0; returns a new array. */
export function shiftImage(image: ArrayLike<number>, dx: number, dy: number, size = 28): Float32Array {
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    const sr = r - dy;
    if (sr < 0 || sr >= size) continue;
    for (let c = 0; c < size; c++) {
      const sc = c - dx;
      if (sc >= 0 && sc < size) out[r * size + c] = image[sr * size + sc];
    }
  }
  return out;
}

/**
 * A text "caption" of an image for the text-only pre-training stage: the digit name and the heavier
 * half on each axis, e.g. `seven top right`. It carries exactly what the questions need.
 */
export function captionOf(label: number, ink: InkHalves): string {
  return `${DIGIT_NAMES[label]} ${ink.top >= ink.bottom ? 'top' : 'bottom'} ${ink.left >= ink.right ? 'left' : 'right'}`;
}

/** Every question template, caption word and answer: the corpus the VQA tokenizer is built from. */
export function vqaCorpus(): string[] {
  const out = ['is the digit even ?', 'is the digit odd ?'];
  for (const rel of ['greater', 'less'])
    for (const d of DIGIT_NAMES) out.push(`is the digit ${rel} than ${d} ?`);
  out.push('more ink : top or bottom ?', 'more ink : left or right ?', 'what is the digit ?');
  out.push(...DIGIT_NAMES, ...VQA_ANSWERS);
  return out;
}

/** The word tokenizer of digit VQA (deterministic: built from {@link vqaCorpus}). */
export function vqaTokenizer(): WordTokenizer {
  return WordTokenizer.fromCorpus(vqaCorpus());
}
