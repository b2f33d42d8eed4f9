/** The shipped models and how `npm run zoo` makes them. */
export { addZooCommand } from './command';
export { ZOO_RECIPES, selectRecipes } from './recipes';
export { runZoo, modelDir, type RunZooOptions } from './run-zoo';
export type { ZooRecipe, ZooContext, ZooMeasurement, TrainedZooModel, StaticCard } from './recipe';
