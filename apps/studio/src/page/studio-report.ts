/** The page's `window.studio` report (see shared/report.ts). */
import type { StudioReport } from '../shared/report';

/** The one report object of the page, also reachable as `window.studio`. */
export const report: StudioReport = {
  restoreRuns: 0,
  restoreHistory: [],
  digitRuns: 0,
  vqaRuns: 0,
  errors: [],
};

(globalThis as { studio?: StudioReport }).studio = report;
