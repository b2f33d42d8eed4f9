/** The multimodal-vqa suite's seed loop: shared stages, the MoIIE grid and the MoTE part per seed, then rows. */
import { loadDigitImages, MOIIE_ARMS, takeVqa, vqaTokenizer } from '@moe-zoo/multimodal';
import type { BenchRow, SuiteContext } from '../../types';
import { MOIIE_MODEL, moiieVariant, MOTE_ROW_KEYS, type MoteRowKey } from './arms';
import type { VqaRows } from './claims';
import { seedNote } from './notes';
import { TEST_IMAGES, TRAIN_IMAGES, type VqaPlan } from './plan';
import { rowOf, type Measured } from './run-measure';
import { runMoiieGrid } from './run-moiie';
import { runMotePart, type MoteMemoryLayout, type MoteSeed } from './run-mote';
import { prepareSeed } from './run-stages';

/** The suite's rows (MoIIE grid, then MoTE part) with what the notes need. */
export interface VqaRun extends VqaRows {
  seedNotes: string[];
  /** The MoTE memory layout (the same for every seed: it depends on the model sizes only). */
  layout: MoteMemoryLayout;
}

/** Appends `m` to the runs of `key`. */
function collect<K>(runs: Map<K, Measured[]>, key: K, m: Measured): void {
  runs.set(key, [...(runs.get(key) ?? []), m]);
}

/** Runs every seed of `ctx` and turns the measurements into rows, one per arm, runs in seed order. */
export async function runVqa(ctx: SuiteContext, plan: VqaPlan): Promise<VqaRun> {
  const tok = vqaTokenizer();
  const images = {
    pool: loadDigitImages(TRAIN_IMAGES.from, plan.images?.trainPerClass ?? TRAIN_IMAGES.perClass),
    test: loadDigitImages(TEST_IMAGES.from, plan.images?.testPerClass ?? TEST_IMAGES.perClass),
  };
  const maxSize = Math.max(...plan.sizes);
  const moiieRuns = new Map<string, Measured[]>();
  const moteRuns = new Map<MoteRowKey, Measured[]>();
  const seedNotes: string[] = [];
  let mote: MoteSeed | undefined;

  for (const seed of ctx.seeds) {
    const { base, trainAll, test, report } = await prepareSeed(plan, seed, tok, images);
    seedNotes.push(seedNote(seed, report));
    ctx.log(`vqa seed ${seed}: base after stage 1 accuracy ${report.baseAccuracy.toFixed(3)}`);
    const grid = await runMoiieGrid(ctx, plan, seed, { base, trainAll, test });
    base.dispose();
    for (const [variant, m] of grid.measured) collect(moiieRuns, variant, m);
    mote = await runMotePart(ctx, plan, seed, {
      dense: grid.moteSource,
      train: takeVqa(trainAll, maxSize),
      test,
    });
    for (const [key, m] of mote.measured) collect(moteRuns, key, m);
  }
  if (!mote) throw new Error('runVqa: no seeds');
  const { heads, layout } = mote;

  const moiie: BenchRow[] = [];
  for (const size of plan.sizes)
    for (const arm of MOIIE_ARMS) {
      const variant = moiieVariant(arm, size);
      moiie.push(rowOf(MOIIE_MODEL[arm], variant, moiieRuns.get(variant) as Measured[]));
    }
  const moteRow = (key: MoteRowKey): BenchRow => {
    const head = heads.get(key);
    const runs = moteRuns.get(key);
    if (!head || !runs) throw new Error(`runVqa: no runs of MoTE-part row "${key}"`);
    return rowOf(head.model, head.variant, runs);
  };
  const moteRows = Object.fromEntries(MOTE_ROW_KEYS.map((k) => [k, moteRow(k)])) as Record<
    MoteRowKey,
    BenchRow
  >;
  return { moiie, sizes: plan.sizes, mote: moteRows, seedNotes, layout };
}
