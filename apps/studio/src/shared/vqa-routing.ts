/**
 * One digit-VQA answer with its routing: a single forward pass of the MoIIE model gives the answer
 * and, per routed layer, the experts each token (16 image tokens, then the question's words) went
 * to, with core's routing metrics and the share of image and text tokens on each kind of expert:
 * intra-modality (only one modality's router may pick it: MoIIE's V and L) or inter-modality
 * (both routers may: S1, S2).
 */
import { routingMetricsAsync, tf, type MoEAux } from '@moe-zoo/core';
import {
  answerOf,
  checkDigitPixels,
  DIGIT_SIDE,
  encodeQuestion,
  ModalityRoutingStats,
  TOKEN_KIND,
  type DigitPixels,
  type DigitVqaModel,
  type VqaAnswerResult,
} from '@moe-zoo/multimodal';
import type { TokenLayerRouting } from './digit-routing';

/** What an expert is to the two routers of a group-routed layer. */
export type ExpertRole = 'image only' | 'text only' | 'shared' | 'unused';

/** Share of a modality's (token, choice) assignments on its intra- and on the inter-modality experts. */
export interface ModalityShares {
  intra: number;
  inter: number;
}

/** One routed layer of a VQA answer. */
export interface VqaLayerRouting extends TokenLayerRouting {
  /** Role of every expert, from the layer's routing groups (all `shared` for a plain MoE). */
  roles: ExpertRole[];
  /** Fraction of each modality's (token, choice) assignments per expert (valid tokens only). */
  usage: { image: number[]; text: number[] };
  shares: { image: ModalityShares; text: ModalityShares };
}

/** What {@link answerWithRouting} returns. */
export interface RoutedAnswer extends VqaAnswerResult {
  /** Kind of every token of the sequence ({@link TOKEN_KIND}: 1 image, 0 text, -1 padding). */
  kinds: number[];
  layers: VqaLayerRouting[];
}

/** The role of each expert of a routed slot: by which modalities' groups may choose it. */
export function expertRoles(
  numExperts: number,
  groups: readonly { modalities: readonly number[]; experts: readonly number[] }[] | undefined,
): ExpertRole[] {
  if (!groups) return new Array<ExpertRole>(numExperts).fill('shared');
  return Array.from({ length: numExperts }, (_, e): ExpertRole => {
    const by = groups.filter((g) => g.experts.includes(e)).flatMap((g) => g.modalities);
    const image = by.includes(TOKEN_KIND.image);
    const text = by.includes(TOKEN_KIND.text);
    return image && text ? 'shared' : image ? 'image only' : text ? 'text only' : 'unused';
  });
}

function sharesOf(usage: readonly number[], roles: readonly ExpertRole[], own: ExpertRole): ModalityShares {
  const sum = (role: ExpertRole) => usage.reduce((s, u, e) => s + (roles[e] === role ? u : 0), 0);
  return { intra: sum(own), inter: sum('shared') };
}

/**
 * Answers `question` about `pixels` in eval mode and reads each routed layer's routing from the
 * same forward pass (the model's own `aux`).
 *
 * @example
 * ```ts
 * const { answer, layers } = await answerWithRouting(model, pixels, 'is the digit odd ?');
 * ```
 */
export async function answerWithRouting(
  model: DigitVqaModel,
  pixels: DigitPixels,
  question: string,
): Promise<RoutedAnswer> {
  const c = model.config.vqa;
  const ids = encodeQuestion(question, c.questionLen);
  const x = checkDigitPixels(pixels, 'answerWithRouting');
  const kinds = [
    ...new Array<number>(c.imageTokens).fill(TOKEN_KIND.image),
    ...Array.from(ids, (id) => (id === 0 ? TOKEN_KIND.pad : TOKEN_KIND.text)),
  ];
  model.eval();
  const kept = tf.tidy(() => {
    const { logits, aux } = model.forward({
      images: tf.tensor4d(x, [1, DIGIT_SIDE, DIGIT_SIDE, 1]),
      question: tf.tensor2d(ids, [1, ids.length], 'int32'),
    });
    return [tf.softmax(logits), ...aux.flatMap((a) => [a.indices, a.probs, a.counts, a.dropped])];
  });
  const [probsTensor, ...routing] = kept;
  try {
    const probs = Array.from(await probsTensor.data());
    const slots = (c.ffn ?? []).filter((s) => s.kind !== 'dense');
    const layers: VqaLayerRouting[] = [];
    for (let l = 0; l < routing.length; l += 4) {
      const aux: MoEAux = {
        losses: {},
        indices: routing[l] as tf.Tensor2D,
        probs: routing[l + 1] as tf.Tensor2D,
        counts: routing[l + 2] as tf.Tensor1D,
        dropped: routing[l + 3] as tf.Scalar,
      };
      const [tokens, k] = aux.indices.shape;
      const numExperts = aux.counts.shape[0];
      const indices = (await aux.indices.data()) as Int32Array;
      const routerProbs = (await aux.probs.data()) as Float32Array;
      const slot = slots[l / 4];
      const roles = expertRoles(numExperts, slot?.kind === 'group' ? slot.group.groups : undefined);
      const stats = new ModalityRoutingStats(numExperts);
      const choices = (role: ExpertRole) => roles.filter((r) => r === role || r === 'shared').length;
      stats.add(
        {
          probs: routerProbs,
          indices,
          choices: { image: choices('image only'), text: choices('text only') },
        },
        kinds,
      );
      const { usage } = stats.result();
      layers.push({
        indices,
        probs: routerProbs,
        tokens,
        k,
        numExperts,
        metrics: await routingMetricsAsync(aux),
        roles,
        usage,
        shares: {
          image: sharesOf(usage.image, roles, 'image only'),
          text: sharesOf(usage.text, roles, 'text only'),
        },
      });
    }
    return { ...answerOf(probs), kinds, layers };
  } finally {
    tf.dispose(kept);
  }
}
