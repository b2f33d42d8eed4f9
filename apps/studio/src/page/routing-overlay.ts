/**
 * The routing overlay of a restore: per MoFME layer, the degraded image with each token's patch
 * coloured by the expert the layer's router chose for it (choice `slot` of the top-k), and a
 * legend of the expert colours.
 */
import type { RgbImage } from '@moe-zoo/restoration';
import { expertMap, type TokenLayout } from '../shared/expert-map';
import { expertColour, expertCss } from '../shared/palette';
import type { LayerRouting } from '../shared/restore-with-routing';
import { el } from './dom';
import { drawImage } from './images';

/** Paints an expert map on a canvas: one opaque colour per expert, transparent where no token lies. */
function paintExperts(canvas: HTMLCanvasElement, map: Int16Array, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  const out = ctx.createImageData(width, height);
  map.forEach((expert, p) => {
    if (expert < 0) return;
    const [r, g, b] = expertColour(expert);
    out.data.set([r, g, b, 255], p * 4);
  });
  ctx.putImageData(out, 0, 0);
}

/** Replaces `container`'s content with one overlay per layer. */
export function renderOverlays(
  container: HTMLElement,
  image: RgbImage,
  layout: TokenLayout,
  layers: readonly LayerRouting[],
  slot: number,
): void {
  container.replaceChildren(
    ...layers.map((layer, l) => {
      const base = el('canvas', { class: 'base' });
      drawImage(base, image);
      const overlay = el('canvas', { class: 'overlay', 'data-layer': String(l), 'data-slot': String(slot) });
      paintExperts(
        overlay,
        expertMap(layout, layer.indices, layer.k, Math.min(slot, layer.k - 1)),
        image.width,
        image.height,
      );
      return el(
        'figure',
        {},
        el('figcaption', {}, `MoFME layer ${l + 1} (block ${l + 1})`),
        el('div', { class: 'overlay-stack' }, base, overlay),
      );
    }),
  );
}

/** The expert colour legend. */
export function renderLegend(container: HTMLElement, experts: number): void {
  container.replaceChildren(
    ...Array.from({ length: experts }, (_, e) =>
      el('span', {}, el('span', { class: 'swatch', style: `background:${expertCss(e)}` }), `expert ${e}`),
    ),
  );
}
