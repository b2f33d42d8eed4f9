/** The restoration suite's run: every arm in turn, then one joint latency timing, then the input rows. */
import type { TimingInfo } from '../../perf/timing';
import { seedRunsRow } from '../../stats';
import type { BenchRow, SuiteContext, SuiteSeries } from '../../types';
import { fmVariant, MODEL, moeVariant, type Arm } from './arms';
import type { RestorationPlan } from './plan';
import { runArm, type ArmResult, type RestorationData } from './run-arm';
import { timeLatencies, type DoneArm } from './run-latency';
import type { PicturedArm } from './run-pictures';

/** The arms whose restorations the picture grid shows (those that ran), as `model variant`. */
const PICTURED = [
  `${MODEL.dense} ffn-4d`,
  `${MODEL.moe} ${moeVariant(8, 2)}`,
  `${MODEL.mofme} ${fmVariant('linear', 8, 2)}`,
];

/** What the suite's run produced. */
export interface RestorationRun {
  rows: BenchRow[];
  series: Required<SuiteSeries>;
  pictured: PicturedArm[];
  /** Arms (or the timing) that failed, one line each. */
  failed: string[];
  /** The latency timing's idle information (undefined when the timing failed). */
  latency?: TimingInfo;
}

/** A trained arm with its configuration. */
type RanArm = DoneArm & { arm: Arm };

const firstLine = (e: unknown) => (e as Error).message.split('\n')[0];

/**
 * The degraded input as rows (`input` / `degraded`, one per task): its PSNR and SSIM per seed,
 * from the rows of an arm that ran on every seed (the test patches are the same for every arm).
 */
function degradedRows(done: readonly RanArm[]): BenchRow[] {
  const source = done[0];
  if (!source) return [];
  return source.result.rows.map((r) => {
    const seedsOf = (k: string) => r.perSeed?.[k] ?? [r.metrics[k]];
    const [psnr, ssim, photoPsnr, photoSsim] = [
      'inputPsnr',
      'inputSsim',
      'photoInputPsnr',
      'photoInputSsim',
    ].map(seedsOf);
    return seedRunsRow(
      {
        model: 'input',
        variant: 'degraded',
        task: r.task,
        paramsTotal: 0,
        paramsActive: 0,
        flopsPerSample: 0,
      },
      psnr.map((p, s) => ({
        metrics: { psnr: p, ssim: ssim[s], photoPsnr: photoPsnr[s], photoSsim: photoSsim[s] },
        latencyMs: 0,
        trainSeconds: 0,
      })),
    );
  });
}

/** Trains and evaluates every arm, then times them all together; an arm that fails keeps the others' results. */
export async function runRestoration(
  ctx: SuiteContext,
  plan: RestorationPlan,
  arms: readonly Arm[],
  data: RestorationData,
): Promise<RestorationRun> {
  const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
  const pictured: PicturedArm[] = [];
  const failed: string[] = [];
  const done: RanArm[] = [];
  for (const arm of arms) {
    const label = `${arm.model} ${arm.variant}`;
    let result: ArmResult;
    try {
      result = await runArm(ctx, plan, arm, data);
    } catch (e) {
      // One arm failing (e.g. the wasm heap running out late in a long run) keeps the others' results.
      failed.push(`${label}: ${firstLine(e)}`);
      ctx.log(`arm ${label} failed: ${(e as Error).message}`);
      continue;
    }
    done.push({ label, result, arm });
    series.expertLoad.push(...result.series.expertLoad);
    series.balance.push(...result.series.balance);
    if (PICTURED.includes(label)) pictured.push({ label, pictures: result.pictures });
  }
  let latency: TimingInfo | undefined;
  try {
    latency = await timeLatencies(ctx, done, data.test, plan.latencyReps);
  } catch (e) {
    failed.push(`latency timing (rows keep latency 0): ${firstLine(e)}`);
    ctx.log(`latency timing failed: ${(e as Error).message}`);
  } finally {
    for (const { result } of done) for (const net of Object.values(result.nets)) net.dispose();
  }
  const rows = done.flatMap((d) => d.result.rows);
  return { rows: [...degradedRows(done), ...rows], series, pictured, failed, latency };
}
