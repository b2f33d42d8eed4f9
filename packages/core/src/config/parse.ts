import { z } from 'zod';

/** A configuration that failed validation; `issues` name each bad field by its dotted path. */
export class ConfigError extends Error {
  constructor(
    readonly label: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid ${label}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates `value` with a zod schema and returns the parsed (defaulted) value, or throws a
 * {@link ConfigError} whose message names every failing field, e.g.
 * `invalid moe layer config: router.biasUpdateRate: Too small: expected number to be >=0`.
 *
 * @example
 * ```ts
 * const cfg = parseConfig(MoELayerConfigSchema, { dim: 64, hidden: 128, numExperts: 8, topK: 2 }, 'moe layer config');
 * ```
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, label = 'config'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    label,
    issuePaths(result.error).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

/**
 * A zod error's issues with their paths, an unknown key reported at its own path
 * (`ffn.moe.capacityfactor: unrecognized key`) rather than at its object's.
 */
export function issuePaths(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...i.path, k], message: 'unrecognized key (misspelt?)' }))
      : [{ path: i.path, message: i.message }],
  );
}
