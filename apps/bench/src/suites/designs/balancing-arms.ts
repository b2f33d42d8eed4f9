/**
 * The balancing comparison of the designs suite: routers balanced with no loss weight (BASE
 * layers, hash layers) and Shazeer's noisy top-k with its own losses, each on the suite's model,
 * data, initial weights and batches, against the softmax top-2 baseline with the aux loss.
 */
import type { FfnSlotConfigInput, MoESlotOptionsInput } from '@moe-zoo/core';
import type { Arm } from './arms';
import { MOE } from './plan';

/**
 * The hash router's seed for the hash arm: its hash puts 2 of the 16 patch positions on each of
 * the 8 experts (a balanced hash; tested). The router's default seed leaves an expert without a
 * position and gives another 4.
 */
export const BALANCED_POSITION_HASH_SEED = 19376;

/** Shazeer et al.'s importance and load loss weights (0.1 each): the coefficient of the CV² terms. */
export const NOISY_CV2 = 0.1;

const slot = (o: Partial<MoESlotOptionsInput>): FfnSlotConfigInput => ({
  kind: 'moe',
  moe: { ...MOE, ...o },
});

/** BASE layers (Lewis et al. 2021): a balanced assignment in training, one expert per token, no balancing loss. */
export const BASE_LAYERS: Arm = {
  variant: 'base-layers',
  ffn: slot({ topK: 1, router: { type: 'balanced' }, losses: { aux: 0 } }),
};

/**
 * Hash layers (Roller et al. 2021): a fixed hash of the token id to one expert, no routing
 * parameters, no balancing loss. The patch transformer has no vocabulary, so a token's id is its
 * patch position.
 */
export const HASH_POSITION: Arm = {
  variant: 'hash-position',
  ffn: slot({ topK: 1, router: { type: 'hash', seed: BALANCED_POSITION_HASH_SEED }, losses: { aux: 0 } }),
  tokenIdsFromPosition: true,
};

/** Noisy top-2 gating (Shazeer et al. 2017) balanced by its importance and load losses, without the Switch aux loss. */
export const NOISY_TOP2: Arm = {
  variant: 'noisy-top2',
  ffn: slot({ router: { type: 'noisy' }, losses: { aux: 0, cv2: NOISY_CV2 } }),
};

/** The arms' task in the report; the baseline they are compared with is the routing task's softmax top-2. */
export const BALANCING_TASK = 'balancing';
export const BALANCING_ARMS: readonly Arm[] = [BASE_LAYERS, HASH_POSITION, NOISY_TOP2];
