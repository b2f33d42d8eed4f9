/**
 * The vision suite's loop: per seed, the shared setup, every MoVA-side arm and both ViTs; then one
 * row per arm and task with per-seed values and per-question outcomes.
 */
import { CONTENT_TYPES } from '@moe-zoo/vision';
import { aggregate, mean, seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { ARMS, armFamily, VIT_ARMS, type Arm, type VitArm } from './arms';
import type { VisionPlan } from './plan';
import { runArm, type ArmResult } from './run-arm';
import { ALL, metricsOf, type TaskRun } from './run-metrics';
import { setupSeed, type SeedSetup } from './run-setup';
import { runViT, type VitResult } from './run-vit';

/** One arm's results over the seeds, in seed order. */
interface ArmSeeds {
  tasks: Record<string, TaskRun>[];
  results: ArmResult[];
}

/** What the seed loop produced: the rows and one note per seed about the shared setup. */
export interface VisionRun {
  rows: BenchRow[];
  seedNotes: string[];
}

function setupNotes(s: SeedSetup, seed: number): string[] {
  const scores = Object.entries(s.pretrainScores)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ');
  const costs = s.sharedSeconds;
  return [
    `seed ${seed}: pretraining scores on the test images (base caption acc, specialists' own task) ${scores}; shared costs pretrain ${costs.pretrain.toFixed(1)} s, routing labels ${costs.labels.toFixed(1)} s, router ${costs.router.toFixed(1)} s`,
    `seed ${seed}: routing-label frequency per question over [${CONTENT_TYPES.join(', ')}] experts (train split): ${s.labelStats}`,
    `seed ${seed}: routing-label quality (train split; the router's targets), share of each type's questions with its own expert labelled useful / mean share for each other expert: ${CONTENT_TYPES.map((t, i) => `${t} ${s.labelQuality[i].onType.toFixed(3)} / ${s.labelQuality[i].offType.toFixed(3)}`).join(', ')}`,
  ];
}

/** The MoVA router's recall of each type's own expert on the test questions, and any routing warnings. */
function routingNotes(arm: Arm, r: ArmResult, tasks: Record<string, TaskRun>, seed: number): string[] {
  const notes = r.eval.warnings.map((w) => `seed ${seed} ${arm}: ${w}`);
  if (arm !== 'mova') return notes;
  const recall = CONTENT_TYPES.map((t) => `${t} ${tasks[t].metrics.routerOnTypeRecall.toFixed(3)}`);
  return [
    `seed ${seed}: MoVA router's recall of the own type's expert (test questions): ${recall.join(', ')}`,
    ...notes,
  ];
}

/** One row per task of a MoVA-side arm; active parameters and FLOPs from the measured experts per sample. */
function armRows(arm: Arm, seeds: ArmSeeds): BenchRow[] {
  const overall = aggregate(seeds.tasks.map((t) => t[ALL].metrics)).metrics;
  // Cross-attention calls per expert run (below 1 when the gate keeps 3 of 4 routed experts).
  const crossPerRun =
    overall.expertsPerSample > 0 ? overall.crossAttnPerSample / overall.expertsPerSample : 0;
  return [...CONTENT_TYPES, ALL].map((task) => {
    const runs = seeds.results.map((r, i): SeedRun => ({
      ...seeds.tasks[i][task],
      latencyMs: r.latencyMs,
      trainSeconds: r.trainSeconds,
    }));
    const eps = mean(runs.map((r) => r.metrics.expertsPerSample));
    const cps = task === ALL ? mean(runs.map((r) => r.metrics.crossAttnPerSample)) : eps * crossPerRun;
    return seedRunsRow(
      {
        model: armFamily(arm),
        variant: arm,
        task,
        paramsTotal: seeds.results[0].paramsTotal,
        paramsActive: Math.round(mean(seeds.results.map((r) => r.active(eps)))),
        flopsPerSample: Math.round(mean(seeds.results.map((r) => r.flops(eps, cps)))),
      },
      runs,
    );
  });
}

function vitRow(arm: VitArm, results: VitResult[]): BenchRow {
  const first = results[0];
  return seedRunsRow(
    {
      model: arm.model,
      variant: arm.variant,
      task: 'fashion-mnist',
      paramsTotal: first.total,
      paramsActive: first.active,
      flopsPerSample: first.flops,
    },
    results.map((v) => v.run),
  );
}

/** Runs every seed of the suite: MoVA-side arms first, then the ViTs, on the seed's own data. */
export async function runVision(ctx: SuiteContext, plan: VisionPlan): Promise<VisionRun> {
  const perArm = new Map<Arm, ArmSeeds>(ARMS.map((a) => [a, { tasks: [], results: [] }]));
  const vit = VIT_ARMS.map((): VitResult[] => []);
  const seedNotes: string[] = [];
  for (const seed of ctx.seeds) {
    const s = await setupSeed(ctx, plan, seed);
    seedNotes.push(...setupNotes(s, seed));
    for (const arm of ARMS) {
      const r = await runArm(ctx, plan, s, arm, seed);
      const entry = perArm.get(arm) as ArmSeeds;
      const tasks = metricsOf(r, s.test);
      entry.tasks.push(tasks);
      entry.results.push(r);
      seedNotes.push(...routingNotes(arm, r, tasks, seed));
      for (const w of r.eval.warnings) ctx.log(`vision ${arm} seed ${seed}: warning: ${w}`);
      ctx.log(
        `vision ${arm} seed ${seed}: accuracy ${r.eval.accuracy.toFixed(3)} [${CONTENT_TYPES.map((t, i) => `${t} ${r.eval.perType[i].toFixed(3)}`).join(', ')}], experts/sample ${r.eval.expertsPerSample.toFixed(2)}`,
      );
    }
    for (const d of [s.base, ...s.experts, s.router]) d.dispose();
    for (const [k, arm] of VIT_ARMS.entries()) {
      const v = await runViT(ctx, plan, arm, seed);
      vit[k].push(v);
      ctx.log(`vision ${arm.variant} seed ${seed}: accuracy ${v.run.metrics.accuracy.toFixed(3)}`);
    }
  }
  return {
    rows: [
      ...ARMS.flatMap((arm) => armRows(arm, perArm.get(arm) as ArmSeeds)),
      ...VIT_ARMS.map((arm, k) => vitRow(arm, vit[k])),
    ],
    seedNotes,
  };
}
