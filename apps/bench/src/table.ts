/** Plain-text tables with aligned columns, for the terminal leaderboard. */

/** One column of {@link renderTable}. */
export interface Column {
  header: string;
  /** Right-align (numbers); default left. */
  right?: boolean;
}

/**
 * Renders rows as aligned text: a header line, a dashed rule, then one line per row, columns
 * separated by two spaces. Trailing spaces are trimmed. `style` may wrap the header (e.g. bold);
 * it is applied after padding so escape codes do not disturb the alignment.
 *
 * @example
 * ```ts
 * renderTable([{ header: 'model' }, { header: 'acc', right: true }], [['mofme', '0.91']]);
 * // model  acc
 * // -----  ----
 * // mofme  0.91
 * ```
 */
export function renderTable(
  columns: Column[],
  rows: string[][],
  style: (header: string) => string = (h) => h,
): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (columns[i].right ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((c) => c.header));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [style(header), rule, ...rows.map(line)].join('\n');
}
