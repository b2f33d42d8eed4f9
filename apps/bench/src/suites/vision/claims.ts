/** The vision suite's claims (pure: rows in, claims out), in the papers' direction. */
import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim, ClaimPart } from '../../types';

const SUPERIOR = { kind: 'superiority' } as const;
const MOVA_PAPER = 'MoVA (Zong et al., NeurIPS 2024)';
/** The overall task of the MoVA rows. */
const ALL = 'all';
/** The content types of MoVA's routing ablation (the paper's text- and chart-heavy benchmarks). */
export const ABLATION_TASKS = ['text', 'chart'] as const;

/** Accuracy of `a` minus that of `b` on one task, superiority; both named with the task. */
function moreAccurate(a: BenchRow, b: BenchRow): ClaimPart {
  return comparePart({
    a,
    b,
    metric: 'accuracy',
    rule: SUPERIOR,
    names: [`${a.variant} (${a.task})`, `${b.variant} (${b.task})`],
  });
}

function acc(r: BenchRow): string {
  return fmt(r.metrics, r.spread, 'accuracy');
}

/**
 * The vision suite's claims from its rows (paired over seeds and test questions / images).
 * `contentTypes` are the MoVA rows' per-type tasks (besides `all`).
 */
export function visionClaims(rows: readonly BenchRow[], contentTypes: readonly string[]): Claim[] {
  const mova = (task: string) => findRow(rows, 'mova', task);
  const tasks = [...contentTypes, ALL];
  const fusion = tasks.map((t) => ({
    t,
    m: mova(t),
    concat: findRow(rows, 'plain-concat', t),
    base: findRow(rows, 'base-only', t),
  }));
  const ablation = ABLATION_TASKS.map((t) => ({
    t,
    m: mova(t),
    random: findRow(rows, 'random-routing', t),
    none: findRow(rows, 'adapter-no-routing', t),
  }));
  const specialist = contentTypes.map((t) => ({ t, m: mova(t), sp: findRow(rows, `specialist-${t}`, t) }));
  const mAll = mova(ALL);
  const cAll = findRow(rows, 'plain-concat', ALL);
  const eps = (r: BenchRow) => fmt(r.metrics, r.spread, 'expertsPerSample', 2);
  const vm = findRow(rows, 'vmoe-8x48-top2', 'fashion-mnist');
  const vd = findRow(rows, 'dense-96', 'fashion-mnist');
  return [
    makeClaim({
      id: 'mova-vs-fusion-and-base',
      paper: MOVA_PAPER,
      statement:
        'full MoVA is more accurate than plain fusion (the base and all experts concatenated) and than the base alone, on every content type and overall',
      parts: fusion.flatMap((f) => [moreAccurate(f.m, f.concat), moreAccurate(f.m, f.base)]),
      evidence: fusion
        .map((f) => `${f.t}: MoVA ${acc(f.m)} vs concat ${acc(f.concat)}, base ${acc(f.base)}`)
        .join('; '),
    }),
    makeClaim({
      id: 'mova-routing-ablations',
      paper: `${MOVA_PAPER}, Table 7`,
      statement: `random routing and no routing (all experts through the adapter) are less accurate than full MoVA on ${ABLATION_TASKS.join(' and ')} questions`,
      parts: ablation.flatMap((a) => [moreAccurate(a.m, a.random), moreAccurate(a.m, a.none)]),
      evidence: ablation
        .map((a) => `${a.t}: MoVA ${acc(a.m)}, random routing ${acc(a.random)}, no routing ${acc(a.none)}`)
        .join('; '),
    }),
    makeClaim({
      id: 'mova-vs-specialist',
      paper: MOVA_PAPER,
      statement: "on each content type, full MoVA is more accurate than that type's specialist alone",
      parts: specialist.map((s) => moreAccurate(s.m, s.sp)),
      evidence: specialist.map((s) => `${s.t}: MoVA ${acc(s.m)} vs its specialist ${acc(s.sp)}`).join('; '),
    }),
    makeClaim({
      id: 'mova-compute',
      paper: MOVA_PAPER,
      statement:
        'context-aware routing computes fewer experts per sample than plain fusion (which runs every expert)',
      parts: [comparePart({ a: mAll, b: cAll, metric: 'expertsPerSample', better: 'lower', rule: SUPERIOR })],
      evidence: `experts computed per sample (measured): MoVA ${eps(mAll)} (${contentTypes.map((t) => `${t} ${eps(mova(t))}`).join(', ')}) vs plain concat ${eps(cAll)}; FLOPs/sample ${mAll.flopsPerSample.toFixed(0)} vs ${cAll.flopsPerSample.toFixed(0)}`,
    }),
    makeClaim({
      id: 'vmoe-vs-dense',
      paper: 'V-MoE (Riquelme et al., NeurIPS 2021)',
      statement:
        'at equal active parameters, a ViT with MoE FFNs in alternate blocks is more accurate than the dense ViT on Fashion-MNIST',
      parts: [comparePart({ a: vm, b: vd, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `accuracy ${acc(vm)} vs ${acc(vd)}; active params ${vm.paramsActive} vs ${vd.paramsActive}, total ${vm.paramsTotal} vs ${vd.paramsTotal}`,
    }),
  ];
}
