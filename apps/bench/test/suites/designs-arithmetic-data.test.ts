/** The SCMoE task's expressions: left-to-right values mod 10, token layout, step shares, determinism. */
import {
  applyOperator,
  arithmeticSet,
  evaluateTokens,
  expressionLength,
  expressionText,
  FIRST_OPERATOR_TOKEN,
  PAD_TOKEN,
  VOCABULARY,
} from '../../src/suites/designs/arithmetic-data';

const PLUS = FIRST_OPERATOR_TOKEN;
const MINUS = FIRST_OPERATOR_TOKEN + 1;
const TIMES = FIRST_OPERATOR_TOKEN + 2;

/** The value of an expression's text, evaluated left to right mod 10 (independent of the generator). */
function valueOfText(text: string): number {
  let value = Number(text[0]);
  for (let i = 1; i < text.length; i += 2) {
    const d = Number(text[i + 1]);
    value = text[i] === '+' ? value + d : text[i] === '-' ? value - d : value * d;
  }
  return ((value % 10) + 10) % 10;
}

describe('designs arithmetic expressions', () => {
  it('one step is the operation mod 10, negative differences wrapped', () => {
    expect(applyOperator(7, '+', 5)).toBe(2);
    expect(applyOperator(3, '-', 8)).toBe(5);
    expect(applyOperator(6, '*', 7)).toBe(2);
    expect(applyOperator(0, '-', 0)).toBe(0);
  });

  it('evaluates left to right, not by precedence, and ignores padding', () => {
    // 3 + 4 * 2: left to right (3 + 4) * 2 = 14 -> 4; by precedence it would be 11 -> 1.
    expect(evaluateTokens([3, PLUS, 4, TIMES, 2, PAD_TOKEN, PAD_TOKEN])).toBe(4);
    expect(evaluateTokens([9, MINUS, 4, MINUS, 7, PAD_TOKEN, PAD_TOKEN])).toBe(8);
    expect(evaluateTokens([5, PAD_TOKEN, PAD_TOKEN])).toBe(5);
    expect(expressionText([3, PLUS, 4, TIMES, 2, PAD_TOKEN, PAD_TOKEN])).toBe('3+4*2');
  });

  it('a set: the layout, the labels and equal shares of every step count', () => {
    const set = arithmeticSet(400, 11, { minSteps: 1, maxSteps: 4 });
    expect(set.length).toBe(expressionLength(4));
    expect(set.length).toBe(9);
    expect(set.tokens.length).toBe(400 * 9);
    const perSteps = [0, 0, 0, 0, 0];
    for (let i = 0; i < set.n; i++) {
      const row = Array.from(set.tokens.subarray(i * set.length, (i + 1) * set.length));
      const s = set.steps[i];
      perSteps[s]++;
      // digits at even positions, operators at odd ones, then padding only
      row.slice(0, 2 * s + 1).forEach((t, p) => {
        if (p % 2 === 0) expect(t).toBeLessThan(FIRST_OPERATOR_TOKEN);
        else expect([PLUS, MINUS, TIMES]).toContain(t);
      });
      expect(row.slice(2 * s + 1).every((t) => t === PAD_TOKEN)).toBe(true);
      expect(row.every((t) => t >= 0 && t < VOCABULARY)).toBe(true);
      expect(set.answer[i]).toBe(valueOfText(expressionText(row)));
    }
    expect(perSteps.slice(1)).toEqual([100, 100, 100, 100]);
  });

  it('is fixed by its seed, differs across seeds, and covers every answer and operator', () => {
    const a = arithmeticSet(200, 5, { minSteps: 1, maxSteps: 3 });
    const b = arithmeticSet(200, 5, { minSteps: 1, maxSteps: 3 });
    const c = arithmeticSet(200, 6, { minSteps: 1, maxSteps: 3 });
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    expect(Array.from(a.tokens)).not.toEqual(Array.from(c.tokens));
    expect(new Set(a.answer).size).toBe(10);
    expect(new Set(Array.from(a.tokens).filter((t) => t >= FIRST_OPERATOR_TOKEN && t < PAD_TOKEN)).size).toBe(
      3,
    );
  });

  it('rejects step ranges it cannot build', () => {
    expect(() => arithmeticSet(10, 1, { minSteps: 0, maxSteps: 2 })).toThrow(/minSteps/);
    expect(() => arithmeticSet(10, 1, { minSteps: 3, maxSteps: 2 })).toThrow(/minSteps/);
  });
});
