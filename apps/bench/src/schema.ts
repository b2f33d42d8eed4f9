/**
 * The zod schema of the bench JSON contract (docs/architecture.md section 6), mirroring
 * `types.ts`. Objects are strict so a misspelt optional field is an error, not silently dropped,
 * and numbers must be finite (JSON cannot carry NaN or Infinity).
 */
import { z } from 'zod';
import type {
  BalancePoint,
  BenchRow,
  Claim,
  ClaimPart,
  ExpertLoadPoint,
  LegacyClaim,
  FigureRef,
  SuiteReport,
  SuiteSeries,
  SuiteTiming,
} from './types';

const count = z.number().nonnegative();
const numberMap = z.record(z.string(), z.number());

/** Schema of one {@link BenchRow}. */
export const benchRowSchema = z.strictObject({
  model: z.string().min(1),
  variant: z.string(),
  task: z.string().min(1),
  paramsTotal: count,
  paramsActive: count,
  flopsPerSample: count,
  metrics: numberMap,
  spread: numberMap.optional(),
  latencyMsPerBatch: count,
  trainSeconds: count,
  perSeed: z.record(z.string(), z.array(z.number()).min(1)).optional(),
  items: z.record(z.string(), z.array(z.array(z.number()))).optional(),
  series: z.record(z.string(), z.array(z.number())).optional(),
});

const verdictSchema = z.enum(['holds', 'fails', 'inconclusive']);

const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('superiority') }),
  z.strictObject({ kind: z.literal('parity'), margin: z.number().nonnegative() }),
  z.strictObject({ kind: z.literal('at-least'), bar: z.number() }),
  z.strictObject({ kind: z.literal('at-most'), bar: z.number() }),
]);

const differenceSchema = z.strictObject({
  test: z.enum(['paired-t', 'mcnemar', 'paired-items', 'timing-rounds', 'exact']),
  estimate: z.number(),
  lo: z.number(),
  hi: z.number(),
  level: z.number().gt(0).max(1),
  seeds: z.number().int().nonnegative(),
  items: z.number().int().nonnegative(),
  pValue: z.number().min(0).max(1).optional(),
});

/** Schema of one {@link ClaimPart}. */
export const claimPartSchema = z.strictObject({
  quantity: z.string().min(1),
  rule: ruleSchema,
  verdict: verdictSchema,
  tests: z.array(differenceSchema),
});

const claimHead = {
  id: z.string().min(1),
  paper: z.string().min(1),
  statement: z.string().min(1),
  evidence: z.string(),
};

/** Schema of one {@link Claim}. */
export const claimSchema = z.strictObject({
  ...claimHead,
  verdict: verdictSchema,
  parts: z.array(claimPartSchema).min(1),
});

/** Schema of one {@link LegacyClaim} (reports written before paired statistics). */
export const legacyClaimSchema = z.strictObject({ ...claimHead, holds: z.boolean() });

const index = z.number().int().nonnegative();

/** Schema of one {@link ExpertLoadPoint}. */
export const expertLoadPointSchema = z.strictObject({
  model: z.string().min(1),
  variant: z.string(),
  layer: index,
  expert: index,
  load: z.number().min(0).max(1),
  group: z.string().min(1).optional(),
});

/** Schema of one {@link BalancePoint}. */
export const balancePointSchema = z.strictObject({
  model: z.string().min(1),
  variant: z.string(),
  step: index,
  maxVio: count,
});

/** Schema of {@link SuiteSeries}. */
export const suiteSeriesSchema = z.strictObject({
  expertLoad: z.array(expertLoadPointSchema).optional(),
  balance: z.array(balancePointSchema).optional(),
});

/** A figure name: letters, digits, `-`, `_`, `.`, starting with a letter or digit (it becomes a file name). */
export const FIGURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Schema of one {@link FigureRef}: `file` is a plain `.png` file name inside the report folder. */
export const figureRefSchema = z.strictObject({
  name: z.string().regex(FIGURE_NAME, 'must be letters, digits, "-", "_" or "." (a file name part)'),
  title: z.string(),
  file: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.png$/, 'must be a .png file name inside the report folder'),
});

/** Schema of {@link SuiteTiming}. */
export const suiteTimingSchema = z.strictObject({
  idle: z.boolean(),
  loadavg: count,
  reps: z.number().int().positive(),
});

/** Schema of a whole {@link SuiteReport}, as written to `<out>/<suite>.json`. */
export const suiteReportSchema = z.strictObject({
  suite: z.string().min(1),
  quick: z.boolean(),
  backend: z.string().min(1),
  adapter: z.string().min(1).optional(),
  threads: z.number().int().positive(),
  seeds: z.array(z.number().int().nonnegative()).min(1),
  startedAt: z.iso.datetime(),
  durationS: count,
  rows: z.array(benchRowSchema),
  claims: z.array(z.union([claimSchema, legacyClaimSchema])),
  notes: z.array(z.string()).optional(),
  mainMetrics: z.array(z.string()).optional(),
  series: suiteSeriesSchema.optional(),
  figures: z.array(figureRefSchema).optional(),
  timing: suiteTimingSchema.optional(),
});

// Compile-time check that the schemas and the interfaces of types.ts describe the same shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const shapesAgree: [
  Same<z.infer<typeof benchRowSchema>, BenchRow>,
  Same<z.infer<typeof claimSchema>, Claim>,
  Same<z.infer<typeof claimPartSchema>, ClaimPart>,
  Same<z.infer<typeof legacyClaimSchema>, LegacyClaim>,
  Same<z.infer<typeof suiteReportSchema>, SuiteReport>,
  Same<z.infer<typeof suiteSeriesSchema>, SuiteSeries>,
  Same<z.infer<typeof expertLoadPointSchema>, ExpertLoadPoint>,
  Same<z.infer<typeof balancePointSchema>, BalancePoint>,
  Same<z.infer<typeof figureRefSchema>, FigureRef>,
  Same<z.infer<typeof suiteTimingSchema>, SuiteTiming>,
] = [true, true, true, true, true, true, true, true, true, true];
void shapesAgree;

/** A report that does not match the contract; the message names every offending field. */
export class ReportValidationError extends Error {
  constructor(
    message: string,
    /** The offending fields as paths, e.g. `rows[0].model`. */
    readonly fields: string[],
  ) {
    super(message);
    this.name = 'ReportValidationError';
  }
}

/** Formats a zod issue path as `rows[0].metrics.acc`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Checks `value` against the contract and returns it typed, or throws a
 * {@link ReportValidationError} whose message starts with `what` and names each bad field.
 *
 * @example
 * ```ts
 * validateReport(JSON.parse(text), 'reports/core.json'); // throws "reports/core.json: rows[0].model: ..."
 * ```
 */
export function validateReport(value: unknown, what: string): SuiteReport {
  const result = suiteReportSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const base = formatPath(issue.path);
    // Unrecognised keys are reported on their parent; name the keys themselves.
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => formatPath([...issue.path, k])).join(', '), issue };
    }
    return { field: base, issue };
  });
  const message = `${what}: ${problems.map((p) => `${p.field}: ${p.issue.message}`).join('; ')}`;
  throw new ReportValidationError(
    message,
    problems.map((p) => p.field),
  );
}
