/** The training record of a saved model, for cards rewritten without retraining. */
import { readModelCard } from '@moe-zoo/core';

/** Steps and seconds from the model folder's card; a clear error when it has none. */
export async function previousTraining(dir: string): Promise<{ steps: number; trainSeconds: number }> {
  const card = await readModelCard(dir);
  if (!card)
    throw new Error(`${dir} has no card.json to take the training record from; train it with npm run zoo`);
  return { steps: card.recipe.steps, trainSeconds: card.recipe.trainSeconds };
}
