/**
 * The studio page: starts a backend (WebGPU on a real GPU, wasm otherwise), reads the sample
 * catalogue and wires the tasks: restore a photo, classify a spoken digit, ask about a digit
 * image, and the balance view.
 */
import { CATALOG_FILE, type SampleCatalog } from '../shared/catalog';
import { startPageBackend } from './backend';
import { BalanceView } from './balance-view';
import { setupDigitPanel } from './digit-panel';
import { byId, messageOf } from './dom';
import { setupRestorePanel } from './restore-panel';
import { setupVqaPanel } from './vqa-panel';
import { report } from './studio-report';

async function fetchCatalog(): Promise<SampleCatalog> {
  const res = await fetch(CATALOG_FILE);
  if (!res.ok) throw new Error(`${CATALOG_FILE}: HTTP ${res.status}`);
  return (await res.json()) as SampleCatalog;
}

async function main(): Promise<void> {
  const badge = byId('backend', HTMLElement);
  try {
    const [{ info, described }, catalog] = await Promise.all([startPageBackend(), fetchCatalog()]);
    report.backend = { name: info.name, described, threads: info.threads, crossOriginIsolated };
    badge.dataset.state = 'ready';
    badge.dataset.backend = info.name;
    badge.textContent = `Running on ${described}`;
    badge.title = info.skipped.join('\n');
    const balance = new BalanceView(byId('balance-view', HTMLElement));
    setupRestorePanel(catalog, balance);
    setupDigitPanel(catalog, balance);
    setupVqaPanel(catalog, balance);
    document.body.dataset.ready = 'true';
  } catch (e) {
    report.errors.push(`start: ${messageOf(e)}`);
    badge.dataset.state = 'error';
    badge.textContent = `Could not start: ${messageOf(e)}`;
  }
}

void main();
