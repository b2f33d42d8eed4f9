/** `npm run zoo`: trains (or re-measures) the shipped models and writes checkpoint + card per model. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { MODEL_FILE, writeModelCard, type ModelCard, type Reporter } from '@moe-zoo/core';
import type { ZooMeasurement, ZooRecipe } from './recipe';

/** Options of {@link runZoo}. */
export interface RunZooOptions {
  /** The repository root; models go to `<root>/<packageDir>/models/<name>/`. */
  root: string;
  seed: number;
  /** Re-measure the saved models and rewrite their cards instead of training. */
  evaluateOnly: boolean;
  reporter: Reporter;
  log(message: string): void;
  /** The backend the run is on, e.g. `wasm x2`, for the card's recipe. */
  backend: string;
}

/** The folder of a recipe's model. */
export function modelDir(root: string, recipe: ZooRecipe): string {
  return path.join(root, recipe.packageDir, 'models', recipe.name);
}

async function writeCard(
  dir: string,
  recipe: ZooRecipe,
  m: ZooMeasurement,
  seed: number,
  backend: string,
): Promise<ModelCard> {
  const { settings, ...card } = recipe.card;
  const bytes = (await fsp.stat(path.join(dir, MODEL_FILE))).size;
  return writeModelCard(dir, {
    ...card,
    name: recipe.name,
    package: recipe.packageName,
    recipe: {
      command: `npm run zoo -- ${recipe.name} --seed ${seed}`,
      seed,
      backend,
      steps: m.steps,
      trainSeconds: Math.round(m.trainSeconds * 10) / 10,
      settings,
    },
    params: m.params,
    quality: m.quality,
    storage: { bytes, dtype: 'F32' },
  });
}

/**
 * Trains each recipe's model with `seed`, saves it and writes its card (or, with `evaluateOnly`,
 * re-measures the saved model; its training record is then taken from the old card). A failed
 * recipe leaves the previous model folder as it was (checkpoints are written atomically).
 */
export async function runZoo(recipes: readonly ZooRecipe[], o: RunZooOptions): Promise<ModelCard[]> {
  const cards: ModelCard[] = [];
  for (const recipe of recipes) {
    const dir = modelDir(o.root, recipe);
    const ctx = {
      seed: o.seed,
      progress: (label: string, total: number) => o.reporter.progress(`${recipe.name}: ${label}`, total),
      log: (msg: string) => o.log(`[${recipe.name}] ${msg}`),
    };
    let measured: ZooMeasurement;
    if (o.evaluateOnly) {
      measured = await recipe.evaluate(dir, ctx);
    } else {
      const trained = await recipe.train(ctx);
      try {
        await trained.save(dir);
      } finally {
        trained.dispose();
      }
      measured = trained;
    }
    ctx.log(`examples: ${(await recipe.writeExamples(dir, ctx)).join(', ')}`);
    const card = await writeCard(dir, recipe, measured, o.seed, o.backend);
    for (const q of card.quality) {
      const interval = q.lo !== undefined ? ` [${q.lo.toFixed(3)}, ${q.hi?.toFixed(3)}]` : '';
      ctx.log(`${q.metric} ${q.value.toFixed(3)}${interval} on ${q.on}`);
    }
    cards.push(card);
  }
  return cards;
}
