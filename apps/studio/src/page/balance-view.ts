/**
 * Balance at a glance: for the last run of each task, per routed layer, core's routing metrics
 * (`routingMetrics`: load, MaxVio, entropy, drop rate) as a small table.
 */
import type { RoutingMetrics } from '@moe-zoo/core';
import { el } from './dom';
import { columnLoad } from './load-bars';

/** One task's run, as the balance view shows it. */
export interface BalanceEntry {
  task: string;
  input: string;
  /** How the layers dispatch (`sorted`, `capacity`, ...): drops only happen under `capacity`. */
  dispatch: string;
  /** Routed (token, choice) assignments per layer. */
  assignments: number;
  layers: RoutingMetrics[];
}

function dropCell(entry: BalanceEntry, m: RoutingMetrics): string {
  if (entry.dispatch !== 'capacity') return `none (${entry.dispatch} dispatch has no capacity limit)`;
  return `${(100 * m.dropRate).toFixed(2)}% (${Math.round(m.dropRate * entry.assignments)} of ${entry.assignments})`;
}

function taskTable(entry: BalanceEntry): HTMLElement {
  const rows = entry.layers.map((m, l) =>
    el(
      'tr',
      { 'data-layer': String(l) },
      el('td', {}, `layer ${l + 1}`),
      el('td', {}, columnLoad(m.load)),
      el('td', { class: 'maxvio' }, m.maxVio.toFixed(3)),
      el(
        'td',
        { class: 'entropy' },
        `${m.entropy.toFixed(3)} nats (max ${Math.log(m.load.length).toFixed(3)})`,
      ),
      el('td', { class: 'unused' }, String(m.unusedExperts)),
      el('td', { class: 'dropped' }, dropCell(entry, m)),
    ),
  );
  const head = el(
    'tr',
    {},
    ...['layer', 'expert load', 'MaxVio', 'routing entropy', 'unused experts', 'dropped by capacity'].map(
      (h) => el('th', {}, h),
    ),
  );
  return el(
    'div',
    { class: 'balance-task', 'data-task': entry.task },
    el('h3', {}, `${entry.task}: ${entry.input}`),
    el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)),
  );
}

/** Keeps the last entry of each task and draws them in task order. */
export class BalanceView {
  private readonly entries = new Map<string, BalanceEntry>();

  constructor(private readonly container: HTMLElement) {}

  show(entry: BalanceEntry): void {
    this.entries.set(entry.task, entry);
    this.container.replaceChildren(...[...this.entries.values()].map(taskTable));
  }
}
