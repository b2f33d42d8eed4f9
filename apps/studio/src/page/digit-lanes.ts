/**
 * Expert usage per token of a digit clip as lanes: per MoE layer, one row per expert and one
 * column per token; a chosen (token, expert) cell is filled with the expert's colour at the
 * router's probability, the others show that probability faintly in grey.
 */
import type { TokenLayerRouting } from '../shared/token-routing';
import { expertCss } from '../shared/palette';
import { el } from './dom';

const CELL = 14;
const LABEL = 28;

function drawLanes(layer: TokenLayerRouting, title: string): HTMLCanvasElement {
  const { tokens, numExperts: experts, k, indices, probs } = layer;
  const canvas = el('canvas', { class: 'lanes-layer' });
  canvas.width = LABEL + tokens * CELL;
  canvas.height = 18 + experts * CELL;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#2d3748';
  ctx.fillText(title, 2, 12);
  for (let e = 0; e < experts; e++) {
    const y = 18 + e * CELL;
    ctx.fillStyle = expertCss(e);
    ctx.fillRect(2, y + 3, 8, 8);
    ctx.fillStyle = '#4a5568';
    ctx.fillText(String(e), 13, y + 11);
    for (let t = 0; t < tokens; t++) {
      const p = probs[t * experts + e];
      let chosen = false;
      for (let s = 0; s < k; s++) if (indices[t * k + s] === e) chosen = true;
      ctx.fillStyle = chosen ? expertCss(e, 0.3 + 0.7 * p) : `rgba(113, 128, 150, ${(0.35 * p).toFixed(3)})`;
      ctx.fillRect(LABEL + t * CELL + 1, y + 1, CELL - 2, CELL - 2);
    }
  }
  return canvas;
}

/** Replaces `container`'s content with one lane block per layer. */
export function renderLanes(container: HTMLElement, layers: readonly TokenLayerRouting[]): void {
  container.replaceChildren(
    ...layers.map((layer, l) =>
      drawLanes(layer, `layer ${l + 1}: ${layer.tokens} tokens × ${layer.numExperts} experts`),
    ),
  );
}
