/** One task run at a time per panel: buttons disabled while it runs, its status line, errors reported. */
import { messageOf, nextFrame, setStatus } from './dom';
import { report } from './studio-report';

/** What a finished run's status adds when its time includes loading the model. */
export function coldNote(cold: boolean): string {
  return cold ? ' (first run: includes loading the model)' : '';
}

/** What {@link taskRunner} needs to know about a panel. */
export interface TaskRunnerOptions {
  /** The task's name in `window.studio.errors` (`restore`, `digit`, `vqa`). */
  task: string;
  /** Disabled while a run is under way. */
  buttons: HTMLButtonElement[];
  status: HTMLElement;
  /** Status text while running (read at the start of each run). */
  running: () => string;
  /** Start of the status text on failure (`Restore failed`). */
  failed: string;
}

/**
 * A guard for a panel's runs: `run(work)` ignores clicks while a run is under way, shows the
 * running status, lets the browser paint, then calls `work(started)`; a failure goes to the status
 * line and the page report.
 */
export function taskRunner(
  o: TaskRunnerOptions,
): (work: (started: number) => Promise<void>) => Promise<void> {
  let busy = false;
  const disable = (disabled: boolean) => o.buttons.forEach((b) => (b.disabled = disabled));
  return async (work) => {
    if (busy) return;
    busy = true;
    disable(true);
    const started = performance.now();
    try {
      setStatus(o.status, 'running', o.running());
      await nextFrame();
      await work(started);
    } catch (e) {
      report.errors.push(`${o.task}: ${messageOf(e)}`);
      setStatus(o.status, 'error', `${o.failed}: ${messageOf(e)}`);
    } finally {
      busy = false;
      disable(false);
    }
  };
}
