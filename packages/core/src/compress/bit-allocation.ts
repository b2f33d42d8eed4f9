import { ConfigError } from '../config/parse';
import type { ExpertCalibration } from './calibration';

/**
 * MC-MoE's expert importance (Huang et al. 2024, "Mixture Compressor for Mixture-of-Experts LLMs
 * Gains More", arXiv:2410.06270; MC#, Huang et al. 2025): how often an expert is chosen times
 * how much it contributes when chosen, here `usage[e] · saliency[e]` from {@link calibrateExperts}.
 *
 * @example
 * ```ts
 * const importance = expertImportance(await calibrateExperts(moe, tokens));
 * ```
 */
export function expertImportance(calibration: ExpertCalibration): number[] {
  return calibration.usage.map((u, e) => u * calibration.saliency[e]);
}

/**
 * Bit widths per expert under a byte budget, by MC-MoE's rule of more bits for more important
 * experts (Huang et al. 2024, arXiv:2410.06270): every expert starts at the narrowest width;
 * then, from the most important expert down (ties by id), each is raised to the widest width
 * that keeps the total within `budgetBytes`, given the widths already chosen. The result's total,
 * Σ_e bytesAt(bits[e]), never exceeds the budget; a budget below E · bytesAt(narrowest) is a
 * ConfigError naming `budgetBytes`.
 *
 * @example
 * ```ts
 * const bits = allocateExpertBits([0.5, 0.1, 0.4], {
 *   budgetBytes: 1900, widths: [2, 4, 8], bytesAt: (b) => 125 * b,
 * }); // [8, 2, 4]: 1000 + 250 + 500 = 1750 bytes; expert 1 at 4 bits would make 2000
 * ```
 */
export function allocateExpertBits(
  importance: readonly number[],
  options: { budgetBytes: number; widths: readonly number[]; bytesAt: (bits: number) => number },
): number[] {
  const widths = [...new Set(options.widths)].sort((a, b) => a - b);
  if (widths.length === 0)
    throw new ConfigError('bit allocation', [{ path: 'widths', message: 'needs at least one width' }]);
  const cost = new Map(widths.map((w) => [w, options.bytesAt(w)]));
  const bits = importance.map(() => widths[0]);
  let total = importance.length * (cost.get(widths[0]) as number);
  if (total > options.budgetBytes) {
    throw new ConfigError('bit allocation', [
      {
        path: 'budgetBytes',
        message: `${options.budgetBytes} is below ${total}, every expert at ${widths[0]} bits`,
      },
    ]);
  }
  const order = importance.map((_, e) => e).sort((a, b) => importance[b] - importance[a] || a - b);
  for (const e of order) {
    const base = total - (cost.get(bits[e]) as number);
    const fits = widths.filter((w) => base + (cost.get(w) as number) <= options.budgetBytes);
    bits[e] = fits[fits.length - 1];
    total = base + (cost.get(bits[e]) as number);
  }
  return bits;
}
