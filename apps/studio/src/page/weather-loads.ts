/** The per-weather expert loads of the restore task: one row per weather restored, one strip per layer. */
import { el } from './dom';
import { stackedLoad } from './load-bars';

/** Per weather (or "your image"), each layer's expert load of its last restore. */
export class WeatherLoads {
  private readonly rows = new Map<string, number[][]>();

  constructor(private readonly container: HTMLElement) {}

  /** Records a restore's per-layer loads under its weather and redraws. */
  set(weather: string, layerLoads: number[][]): void {
    this.rows.set(weather, layerLoads);
    this.render();
  }

  /** The loads recorded so far, by weather. */
  entries(): [string, number[][]][] {
    return [...this.rows.entries()];
  }

  private render(): void {
    const layers = Math.max(0, ...[...this.rows.values()].map((r) => r.length));
    const head = el(
      'tr',
      {},
      el('th', {}, 'weather'),
      ...Array.from({ length: layers }, (_, l) => el('th', {}, `layer ${l + 1}`)),
    );
    const body = [...this.rows.entries()].map(([weather, loads]) =>
      el(
        'tr',
        { 'data-weather': weather },
        el('td', {}, weather),
        ...loads.map((load) => el('td', {}, stackedLoad(load))),
      ),
    );
    this.container.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
  }
}
