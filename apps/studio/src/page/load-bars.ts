/** Expert loads drawn as bars: a stacked strip (shares side by side) or a small column chart. */
import { expertCss } from '../shared/palette';
import { el } from './dom';

function share(load: number): string {
  return `expert share ${(100 * load).toFixed(1)}%`;
}

/** One strip, each expert's share as a segment of its colour. */
export function stackedLoad(load: readonly number[]): HTMLElement {
  return el(
    'div',
    { class: 'stacked' },
    ...load.map((v, e) =>
      el('span', {
        style: `width:${(100 * v).toFixed(2)}%;background:${expertCss(e)}`,
        title: `${e}: ${share(v)}`,
      }),
    ),
  );
}

/** One column per expert, heights relative to the largest possible uniform-load multiple. */
export function columnLoad(load: readonly number[]): HTMLElement {
  const top = Math.max(...load, 1e-9);
  return el(
    'div',
    { class: 'loadbars' },
    ...load.map((v, e) =>
      el('span', {
        style: `height:${Math.max(1, (100 * v) / top).toFixed(1)}%;background:${expertCss(e)}`,
        title: `expert ${e}: ${share(v)}`,
      }),
    ),
  );
}
