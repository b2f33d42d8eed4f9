/** Every shipped model's recipe. */
import type { ZooRecipe } from '../recipe';
import { SPOKEN_DIGITS_MOE } from './audio';
import { MOMA_DIGIT_LM } from './moma';
import { MOME_AV_DIGITS } from './mome';
import { MOTE_DIGIT_VQA } from './mote';
import { MOVA_VQA } from './mova';
import { MOIIE_DIGIT_VQA } from './multimodal';
import { MOFME_DEWEATHER } from './restoration';
import { VMOE_FASHION } from './vision';
import { VMOE_FASHION_PRUNED } from './vision-pruned';

/** Every shipped model, in training order. */
export const ZOO_RECIPES: readonly ZooRecipe[] = [
  MOFME_DEWEATHER,
  SPOKEN_DIGITS_MOE,
  VMOE_FASHION,
  VMOE_FASHION_PRUNED,
  MOVA_VQA,
  MOIIE_DIGIT_VQA,
  MOTE_DIGIT_VQA,
  MOME_AV_DIGITS,
  MOMA_DIGIT_LM,
];

/** The recipes of the given names (all when none), or an error naming the unknown one and the known ones. */
export function selectRecipes(names: readonly string[]): ZooRecipe[] {
  if (!names.length) return [...ZOO_RECIPES];
  return [...new Set(names)].map((n) => {
    const r = ZOO_RECIPES.find((x) => x.name === n);
    if (!r) throw new Error(`unknown model "${n}"; the zoo has ${ZOO_RECIPES.map((x) => x.name).join(', ')}`);
    return r;
  });
}
