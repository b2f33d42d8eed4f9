import type { ExpertBank } from '../moe/experts/bank';
import type { Module } from '../nn/module';
import { float32Bytes } from '../quant/bytes';

/** An expert bank whose stored form is not its float32 parameters (a quantized or coded bank). */
export interface StoredBytesReporter {
  /** Exact bytes of the bank's stored form (codes, scales, tables, biases). */
  storedBytes(): number;
}

/** True for modules (quantized or coded banks) implementing {@link StoredBytesReporter}. */
export function isStoredBytesReporter<M extends Module>(module: M): module is M & StoredBytesReporter {
  return typeof (module as Partial<StoredBytesReporter>).storedBytes === 'function';
}

/**
 * Stored bytes of any expert bank: what a quantized bank reports, else 4 bytes per parameter.
 *
 * @example
 * ```ts
 * bankStoredBytes(new FfnExperts({ numExperts: 2, dim: 4, hidden: 8 })); // 4 · 2 · 76 = 608
 * ```
 */
export function bankStoredBytes(bank: ExpertBank): number {
  return isStoredBytesReporter(bank) ? bank.storedBytes() : float32Bytes(bank.countParams());
}

/**
 * Stored bytes of a whole model: every expert bank that reports its stored form counts that, all
 * other parameters 4 bytes each (float32).
 *
 * @example
 * ```ts
 * block.replaceFfn(new RebankedMoELayer(moe, mixedPrecisionExperts(bank, stats, { budgetBytes })));
 * moduleStoredBytes(model); // smaller than 4 · model.countParams()
 * ```
 */
export function moduleStoredBytes(module: Module): number {
  if (isStoredBytesReporter(module)) return module.storedBytes();
  const children = module.namedChildren().map(([, c]) => c);
  const own = module.countParams() - children.reduce((s, c) => s + c.countParams(), 0);
  return float32Bytes(own) + children.reduce((s, c) => s + moduleStoredBytes(c), 0);
}
