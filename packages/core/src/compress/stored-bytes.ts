import type { ExpertBank } from '../moe/experts/bank';
import { float32Bytes } from '../quant/bytes';

/** An expert bank whose stored form is not its float32 parameters (a quantized or coded bank). */
export interface StoredBytesReporter {
  /** Exact bytes of the bank's stored form (codes, scales, tables, biases). */
  storedBytes(): number;
}

/** True for banks implementing {@link StoredBytesReporter}. */
export function isStoredBytesReporter(bank: ExpertBank): bank is ExpertBank & StoredBytesReporter {
  return typeof (bank as Partial<StoredBytesReporter>).storedBytes === 'function';
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
