/** MoIIE's mechanism signals: normalised router entropy, shared-expert shares, expert divergence. */
import { RoutedLayer, tf } from '@moe-zoo/core';
import {
  armGroups,
  evaluateVqa,
  expertOutputCosine,
  shareOn,
  type VqaEvaluation,
  type VqaSet,
  type VqaTransformer,
} from '@moe-zoo/multimodal';

/** MoIIE's shared experts: those both its visual and its textual router choose from (S1, S2). */
export const SHARED_EXPERTS: readonly number[] = (() => {
  const [vis, txt] = armGroups('moiie');
  return vis.experts.filter((e) => txt.experts.includes(e));
})();

/** The signals' metric names, in series order. */
export const SIGNALS = ['entropyVis', 'entropyTxt', 'visShared', 'txtShared', 'expertCos'] as const;

/** Tokens the experts' outputs are compared on (standard normal, like the normed FFN input). */
const COSINE_TOKENS = 256;
const COSINE_SEED = 17;

/** Mean pairwise cosine of the expert outputs over the model's routed MoE layers (NaN without). */
async function expertCosine(model: VqaTransformer): Promise<number> {
  const layers = model.blocks.map((b) => b.ffn).filter((s): s is RoutedLayer => s instanceof RoutedLayer);
  if (layers.length === 0) return NaN;
  const x = tf.randomNormal([COSINE_TOKENS, model.config.dim], 0, 1, 'float32', COSINE_SEED) as tf.Tensor2D;
  try {
    const cos: number[] = [];
    for (const s of layers) cos.push(await expertOutputCosine(s.experts, x));
    return cos.reduce((a, b) => a + b, 0) / cos.length;
  } finally {
    x.dispose();
  }
}

/**
 * The signals of an evaluation (empty without routing): router entropy per modality (1 = uniform
 * over the router's choices), the share of visual / text assignments on {@link SHARED_EXPERTS},
 * and `expertCos`, the mean pairwise cosine of the experts' outputs. Non-finite values are left out.
 */
export function signalsOf(
  ev: Pick<VqaEvaluation, 'usage' | 'entropy'>,
  expertCos: number,
): Record<string, number> {
  if (!ev.usage || !ev.entropy) return {};
  const all: Record<(typeof SIGNALS)[number], number> = {
    entropyVis: ev.entropy.image,
    entropyTxt: ev.entropy.text,
    visShared: shareOn(ev.usage.image, SHARED_EXPERTS),
    txtShared: shareOn(ev.usage.text, SHARED_EXPERTS),
    expertCos,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => Number.isFinite(v)));
}

/** {@link signalsOf} a routed model's evaluation `ev`, with its experts' output cosine. */
export async function routingSignals(
  model: VqaTransformer,
  ev: VqaEvaluation,
): Promise<Record<string, number>> {
  return ev.usage ? signalsOf(ev, await expertCosine(model)) : {};
}

/**
 * Records the signals on a fixed probe set during training: before the first step ({@link start}),
 * every `every` steps and after the last one. `series` holds `step` and one array per signal.
 */
export class SignalRecorder {
  readonly series: Record<string, number[]> = { step: [] };
  /** Time spent recording during training, to take out of the run's training time. */
  seconds = 0;
  private step = 0;

  constructor(
    private readonly model: VqaTransformer,
    private readonly probe: VqaSet,
    private readonly every: number,
    private readonly total: number,
  ) {}

  /** Call (and await) before training: records step 0. */
  async start(): Promise<void> {
    await this.record();
    this.seconds = 0; // before training: not part of the run's training time
  }

  /** Call (and await) after every training step. */
  async onStep(): Promise<void> {
    this.step++;
    if (this.step % this.every === 0 || this.step === this.total) await this.record();
  }

  private async record(): Promise<void> {
    const start = performance.now();
    const s = await routingSignals(this.model, await evaluateVqa(this.model, this.probe));
    this.seconds += (performance.now() - start) / 1000;
    if (!SIGNALS.every((name) => name in s)) return;
    this.series.step.push(this.step);
    for (const name of SIGNALS) (this.series[name] ??= []).push(s[name]);
  }
}
