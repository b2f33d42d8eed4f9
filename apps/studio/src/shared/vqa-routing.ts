/**
 * One digit-VQA answer with its routing: a single forward pass of the MoIIE model gives the answer
 * and, per routed layer, the experts each token (16 image tokens, then the question's words) went
 * to, with core's routing metrics and the share of image and text tokens on each kind of expert:
 * intra-modality (only one modality's router may pick it: MoIIE's V and L) or inter-modality
 * (both routers may: S1, S2).
 */
import { tf } from '@moe-zoo/core';
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
import { forwardWithRouting, type TokenLayerRouting } from './token-routing';

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
  const { probs, layers: routed } = await forwardWithRouting(() =>
    model.forward({
      images: tf.tensor4d(x, [1, DIGIT_SIDE, DIGIT_SIDE, 1]),
      question: tf.tensor2d(ids, [1, ids.length], 'int32'),
    }),
  );
  const slots = (c.ffn ?? []).filter((s) => s.kind !== 'dense');
  const layers = routed.map((layer, l): VqaLayerRouting => {
    const slot = slots[l];
    const roles = expertRoles(layer.numExperts, slot?.kind === 'group' ? slot.group.groups : undefined);
    const stats = new ModalityRoutingStats(layer.numExperts);
    const choices = (role: ExpertRole) => roles.filter((r) => r === role || r === 'shared').length;
    stats.add(
      {
        probs: layer.probs,
        indices: layer.indices,
        choices: { image: choices('image only'), text: choices('text only') },
      },
      kinds,
    );
    const { usage } = stats.result();
    return {
      ...layer,
      roles,
      usage,
      shares: {
        image: sharesOf(usage.image, roles, 'image only'),
        text: sharesOf(usage.text, roles, 'text only'),
      },
    };
  });
  return { ...answerOf(probs), kinds, layers };
}
