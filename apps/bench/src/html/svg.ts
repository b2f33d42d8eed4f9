/** Renders a vega-lite spec to a standalone SVG string in Node (no browser, no canvas). */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Prefixes every `id` of an SVG and the references to it (`url(#id)`, `href="#id"`), so several
 * SVGs inlined in one page never share an id (vega numbers gradients and clips per view).
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(
      /\b(xlink:href|href)="#([^"]+)"/g,
      (_m, attr: string, id: string) => `${attr}="#${prefix}-${id}"`,
    );
}

/** A vega logger that records warnings (and errors) instead of printing them. */
function collectingLogger(messages: string[]) {
  return vega.logger(vega.Warn, undefined, (_method, level, input) => {
    messages.push(`${level}: ${Array.from(input, String).join(' ')}`);
  });
}

/** An SVG chart and the compiler's warnings about its spec. */
export interface RenderedSvg {
  svg: string;
  warnings: string[];
}

/**
 * Compiles `spec` with vega-lite and renders it with a headless vega View (`renderer: 'none'`)
 * to SVG, with its ids prefixed by `idPrefix`. Text in the SVG is escaped by vega.
 *
 * @example
 * ```ts
 * const { svg } = await renderSvg({ data: { values }, mark: 'point', encoding: {...} }, 'core-quality');
 * ```
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<RenderedSvg> {
  const warnings: string[] = [];
  const compiled = vl.compile(spec, { logger: collectingLogger(warnings) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: collectingLogger(warnings) });
  try {
    const svg = await view.toSVG();
    return { svg: scopeSvgIds(svg, idPrefix), warnings };
  } finally {
    view.finalize();
  }
}
