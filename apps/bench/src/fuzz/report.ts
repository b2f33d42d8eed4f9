/** The fuzz report as Markdown (reports/fuzz.md beside reports/fuzz.json). */
import type { FuzzReport, OutcomeCounts } from './run-fuzz';

const OUTCOMES = ['loaded', 'typed', 'untyped', 'crash', 'hang', 'memory'] as const;

const row = (label: string, c: OutcomeCounts) => `| ${label} | ${OUTCOMES.map((o) => c[o]).join(' | ')} |`;

/** Renders the counts per kind, the typed errors, the per-model memory and time, and every failure. */
export function renderFuzzReport(r: FuzzReport): string {
  const lines = [
    '# Checkpoint fuzz report',
    '',
    `${r.startedAt}, ${r.durationS} s, seed ${r.seed}: every shipped model's folder copied, mutated and loaded ` +
      `with its package's \`loadPretrained\` in a child process on wasm (a load past ${r.limits.timeoutMs} ms is a hang, ` +
      `past ${r.limits.memoryLimitMb} MiB resident it is killed as memory). \`typed\`: a CheckpointError or ConfigError ` +
      `with a code; \`loaded\`: the edit did not change what the model is (e.g. a dropout rate); \`untyped\`: any other error.`,
    '',
    `| kind | ${OUTCOMES.join(' | ')} |`,
    `| --- | ${OUTCOMES.map(() => '---').join(' | ')} |`,
    ...Object.entries(r.byKind).map(([kind, c]) => row(kind, c)),
    row('**all**', r.totals),
    '',
    '## Typed errors',
    '',
    ...Object.entries(r.typedErrors)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `- ${k}: ${n}`),
    '',
    '## Memory and time per model',
    '',
    'Peak resident memory of the child (Node, tfjs and the wasm backend included) loading the genuine checkpoint and the largest of any case; the growth over the genuine load against the tensor file size.',
    '',
    '| model | tensor file | cases | genuine peak | largest peak | growth | growth / file size | slowest case |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.models.map(
      (m) =>
        `| ${m.name} | ${(m.fileBytes / 1e6).toFixed(2)} MB | ${m.cases} | ${m.genuinePeakMb.toFixed(0)} MiB | ${m.maxPeakMb.toFixed(0)} MiB | ${(m.maxPeakMb - m.genuinePeakMb).toFixed(1)} MiB | ` +
        `${(((m.maxPeakMb - m.genuinePeakMb) * 2 ** 20) / m.fileBytes).toFixed(1)}x | ${m.maxMs} ms |`,
    ),
    '',
    '## Failures',
    '',
    ...(r.failures.length
      ? r.failures.map(
          (f) => `- ${f.model}, ${f.kind} \`${f.case}\`: ${f.outcome}${f.error ? ` (${f.error})` : ''}`,
        )
      : ['None: every mutated checkpoint loaded or was refused with a typed error.']),
    '',
  ];
  return lines.join('\n');
}
