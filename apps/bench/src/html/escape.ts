/** HTML escaping for text taken from report JSON. */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `&`, `<`, `>`, `"` and `'`, so the result is safe as element text and inside a quoted
 * attribute value.
 *
 * @example
 * ```ts
 * escapeHtml('<b>"a" & b</b>'); // '&lt;b&gt;&quot;a&quot; &amp; b&lt;/b&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A lowercase slug for element ids: letters and digits, runs of anything else become `-`. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'x' : s;
}
