/** The audio suite's training loop: every arm over every seed, rows with per-seed and per-clip outcomes. */
import { AudioTransformer, evaluateAudio, loadSpokenDigits, trainAudioClassifier } from '@moe-zoo/audio';
import { setSeed } from '@moe-zoo/core';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { mean, seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import type { Arm } from './arms';
import type { AudioPlan } from './plan';
import { accuracyMetrics, correctness, latency, specialisationMetrics } from './run-measure';

/** The rows of the arms and the expert-usage notes of the MoE arm. */
export interface AudioRun {
  rows: BenchRow[];
  usageNotes: string[];
}

/**
 * Trains and evaluates `arms` over the suite's seeds. Every arm of a seed sees the same split and
 * test clips in the same order (the data is a function of the seed; checked here), so the per-clip
 * outcomes are paired across arms.
 */
export async function runArms(ctx: SuiteContext, plan: AudioPlan, arms: readonly Arm[]): Promise<AudioRun> {
  const { epochs, batchSize } = plan;
  const rows: BenchRow[] = [];
  const usageNotes: string[] = [];
  const testClips = new Map<number, string>();
  for (const arm of arms) {
    const kind = arm.ffn.kind;
    const runs: SeedRun[] = [];
    let params = { total: 0, active: 0, flops: 0 };
    for (const seed of ctx.seeds) {
      const dir = ensureSpokenDigits({ seed });
      const sizes = plan.maxTrain ? { maxTrain: plan.maxTrain, maxTest: plan.maxTest } : {};
      const data = loadSpokenDigits(dir, { seed, ...sizes });
      const clips = `${Array.from(data.test.y).join()}|${Array.from(data.test.snr).join()}|${data.test.voice.join()}`;
      if ((testClips.get(seed) ?? clips) !== clips)
        throw new Error(
          `audio: the test clips of seed ${seed} differ between arms; per-clip outcomes would not pair`,
        );
      testClips.set(seed, clips);
      setSeed(seed);
      const model = new AudioTransformer({ ffn: arm.ffn });
      const steps = epochs * Math.floor(data.train.n / batchSize);
      const bar = ctx.progress(`audio ${kind} seed ${seed}`, steps);
      const run = await trainAudioClassifier(model, data.train, {
        epochs,
        batchSize,
        seed,
        onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
      });
      bar.done();
      const ev = await evaluateAudio(model, data.test);
      const latencyMs = ctx.timing.add(await latency(model, data.test)).medianMs;
      const metrics = accuracyMetrics(data.test, ev, data.snrs);
      if (ev.usage) {
        const spec = specialisationMetrics(data.test, ev.usage, ev.numExperts, seed);
        Object.assign(metrics, spec.metrics, {
          maxVio: mean(run.maxVio.slice(Math.floor(run.maxVio.length * 0.75))),
        });
        usageNotes.push(...spec.notes);
      }
      runs.push({
        metrics,
        items: { accuracy: correctness(data.test, ev) },
        latencyMs,
        trainSeconds: run.seconds,
      });
      params = { total: model.countParams(), active: model.activeParams(), flops: model.flopsPerSample() };
      ctx.log(`audio ${kind} seed ${seed}: accuracy ${ev.accuracy.toFixed(3)} (${run.seconds.toFixed(1)} s)`);
      model.dispose();
    }
    rows.push(
      seedRunsRow(
        {
          model: 'audio-transformer',
          variant: arm.variant,
          task: 'spoken-digits',
          paramsTotal: params.total,
          paramsActive: params.active,
          flopsPerSample: params.flops,
        },
        runs,
      ),
    );
  }
  return { rows, usageNotes };
}
