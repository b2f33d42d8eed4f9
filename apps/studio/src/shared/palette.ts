/** One colour per expert (up to 16 distinct; more wrap around), as [r, g, b]. */
export const EXPERT_COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [128, 0, 0],
  [170, 255, 195],
  [0, 0, 128],
];

/** The colour of expert `e`. */
export function expertColour(e: number): readonly [number, number, number] {
  return EXPERT_COLOURS[e % EXPERT_COLOURS.length];
}

/** The colour of expert `e` as CSS. */
export function expertCss(e: number, alpha = 1): string {
  const [r, g, b] = expertColour(e);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** The expert whose colour is exactly [r, g, b] among the first `experts`, or -1. */
export function expertOfColour(r: number, g: number, b: number, experts: number): number {
  for (let e = 0; e < Math.min(experts, EXPERT_COLOURS.length); e++) {
    const [cr, cg, cb] = EXPERT_COLOURS[e];
    if (cr === r && cg === g && cb === b) return e;
  }
  return -1;
}
