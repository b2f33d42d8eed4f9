/**
 * Multi-step arithmetic over digit tokens, generated here (nothing downloaded): the expression
 * `d0 op1 d1 op2 d2 ... op_s d_s` of s steps (+, −, × on digits, evaluated left to right mod 10),
 * padded to a fixed length; the label is its value mod 10. Every step's result is the next step's
 * left operand, so the answer needs each step in order.
 */
import { makeRng } from '@moe-zoo/core';

export const OPERATORS = ['+', '-', '*'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Token ids: the digits 0-9 are themselves, then the operators in the order of {@link OPERATORS}, then padding. */
export const FIRST_OPERATOR_TOKEN = 10;
export const PAD_TOKEN = FIRST_OPERATOR_TOKEN + OPERATORS.length;
export const VOCABULARY = PAD_TOKEN + 1;

/** Tokens of an expression of at most `maxSteps` steps: one digit more than operators. */
export function expressionLength(maxSteps: number): number {
  return 2 * maxSteps + 1;
}

/** A set of expressions. */
export interface ArithmeticSet {
  n: number;
  /** Tokens per item, `expressionLength(maxSteps)`. */
  length: number;
  /** Token ids [n · length], one item after the other, padded at the end. */
  tokens: Int32Array;
  /** The value of each expression mod 10: the label. */
  answer: Int32Array;
  /** Operations in each expression. */
  steps: Int32Array;
}

/** One step: `left op digit` mod 10, in 0..9. */
export function applyOperator(left: number, op: Operator, digit: number): number {
  const value = op === '+' ? left + digit : op === '-' ? left - digit : left * digit;
  return ((value % 10) + 10) % 10;
}

/** The value mod 10 of a token row (padding ignored), evaluated left to right. */
export function evaluateTokens(tokens: ArrayLike<number>): number {
  let value = tokens[0];
  for (let i = 1; i + 1 < tokens.length && tokens[i] !== PAD_TOKEN; i += 2) {
    value = applyOperator(value, OPERATORS[tokens[i] - FIRST_OPERATOR_TOKEN], tokens[i + 1]);
  }
  return value;
}

/** A token row as text, e.g. `3+4*2` (padding dropped). */
export function expressionText(tokens: ArrayLike<number>): string {
  return Array.from(tokens)
    .filter((t) => t !== PAD_TOKEN)
    .map((t) => (t < FIRST_OPERATOR_TOKEN ? String(t) : OPERATORS[t - FIRST_OPERATOR_TOKEN]))
    .join('');
}

/**
 * `n` expressions from `makeRng(seed)`: item i has `minSteps + (i mod (maxSteps − minSteps + 1))`
 * steps (equal shares of every step count, interleaved), uniform digits and operators.
 *
 * @example
 * ```ts
 * const set = arithmeticSet(1000, 7, { minSteps: 1, maxSteps: 4 }); // 250 items of each step count
 * expressionText(set.tokens.subarray(0, set.length)); // e.g. '6*3'
 * ```
 */
export function arithmeticSet(
  n: number,
  seed: number,
  o: { minSteps: number; maxSteps: number },
): ArithmeticSet {
  if (!(Number.isInteger(o.minSteps) && o.minSteps >= 1 && o.maxSteps >= o.minSteps)) {
    throw new Error(
      `arithmeticSet: steps must satisfy 1 <= minSteps <= maxSteps, got ${o.minSteps}..${o.maxSteps}`,
    );
  }
  const rng = makeRng(seed);
  const pick = (k: number): number => Math.min(k - 1, Math.floor(rng() * k));
  const length = expressionLength(o.maxSteps);
  const tokens = new Int32Array(n * length).fill(PAD_TOKEN);
  const answer = new Int32Array(n);
  const steps = new Int32Array(n);
  const counts = o.maxSteps - o.minSteps + 1;
  for (let i = 0; i < n; i++) {
    const row = tokens.subarray(i * length, (i + 1) * length);
    steps[i] = o.minSteps + (i % counts);
    row[0] = pick(10);
    for (let s = 1; s <= steps[i]; s++) {
      row[2 * s - 1] = FIRST_OPERATOR_TOKEN + pick(OPERATORS.length);
      row[2 * s] = pick(10);
    }
    answer[i] = evaluateTokens(row);
  }
  return { n, length, tokens, answer, steps };
}
