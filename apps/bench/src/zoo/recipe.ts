/**
 * A zoo recipe: how one shipped model is trained from the bench's best arm and how its quality is
 * measured; `runZoo` writes the checkpoint and its card into `<package>/models/<name>/`.
 */
import type { ModelCardInput, ProgressHandle, Quality } from '@moe-zoo/core';

/** What a recipe is given. */
export interface ZooContext {
  seed: number;
  progress(label: string, total: number): ProgressHandle;
  log(message: string): void;
}

/** A measured model: its size, training record and quality with intervals. */
export interface ZooMeasurement {
  params: { total: number; active: number };
  steps: number;
  trainSeconds: number;
  quality: Quality[];
}

/** A trained model, ready to be saved by its package's `save<Name>Model`. */
export interface TrainedZooModel extends ZooMeasurement {
  save(dir: string): Promise<void>;
  dispose(): void;
}

/** The parts of a card a recipe states up front (the rest is measured). */
export type StaticCard = Omit<
  ModelCardInput,
  'name' | 'package' | 'recipe' | 'params' | 'quality' | 'storage'
> & {
  /** Settings that define the run beyond the seed (sizes, epochs, learning rate). */
  settings: Record<string, string | number | boolean>;
};

/** One shipped model. */
export interface ZooRecipe {
  /** The name `loadPretrained` takes. */
  name: string;
  /** The npm package that ships it, e.g. `@moe-zoo/audio`. */
  packageName: string;
  /** Its folder from the repository root, e.g. `packages/audio`. */
  packageDir: string;
  card: StaticCard;
  /** Trains with the context's seed (deterministic on a backend) and measures on held-out data. */
  train(ctx: ZooContext): Promise<TrainedZooModel>;
  /** Re-measures a saved model (`npm run zoo -- --evaluate`): the card is rewritten, the weights kept. */
  evaluate(dir: string, ctx: ZooContext): Promise<ZooMeasurement>;
  /** Writes the example inputs the README uses (held-out data) into the model folder; returns their file names. */
  writeExamples(dir: string, ctx: ZooContext): Promise<string[]>;
}
