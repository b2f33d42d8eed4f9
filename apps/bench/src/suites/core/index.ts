import type { Suite, SuiteSeries } from '../../types';
import { loadFashionMnist } from '../../data/fashion-mnist';
import { BALANCING, DEEPSEEK } from './arms';
import { coreClaims } from './claims';
import { coreNotes } from './notes';
import { corePlan } from './plan';
import { runArms } from './run';
import { tinyNote } from '../tiny';

/** The `core` suite: balancing strategies and DeepSeekMoE's fine-grained + shared experts on Fashion-MNIST. */
export const coreSuite: Suite = {
  name: 'core',
  description:
    'Fashion-MNIST patch transformer: balancing (none / aux 1e-3, 1e-2 / loss-free bias) at 16 experts top-2, and DeepSeekMoE fine-grained + shared experts at equal total and active parameters',
  async run(ctx) {
    const plan = corePlan(ctx.quick, ctx.tiny);
    const data = loadFashionMnist(plan.trainPerClass, plan.testPerClass);
    const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
    const balancing = await runArms(ctx, plan, 'balancing', BALANCING, data, series);
    const deepseek = await runArms(ctx, plan, 'deepseekmoe', DEEPSEEK, data);
    return {
      rows: [...balancing, ...deepseek],
      claims: coreClaims(balancing, deepseek),
      series,
      notes: [
        ...(ctx.tiny
          ? [tinyNote(`${plan.trainPerClass} / ${plan.testPerClass} images per class, ${plan.epochs} epoch`)]
          : []),
        ...coreNotes(plan, ctx.seeds[0]),
      ],
    };
  },
};
