import { DUO_CHOICES } from '@moe-zoo/core';
import { DUO, duoPlan } from './duo-arms';
import { penalty } from './duo-claims';
import { stepsPerEpoch, type DesignsPlan } from './plan';

/** The Duo-LLM study's note: its model, the three stages, the rows and metrics. */
export function duoNote(plan: DesignsPlan, quick: boolean, tiny = false): string {
  const steps = plan.epochs * stepsPerEpoch(plan);
  const duo = duoPlan(quick, tiny);
  const routerSteps = duo.routerEpochs * stepsPerEpoch(plan);
  const patterns = DUO_CHOICES ** DUO.depth;
  return (
    `Duo-LLM (task duo-routing; Alizadeh et al. 2024, arXiv 2410.10846): the classifier with ${DUO.depth} blocks whose FFN slot is a Duo slot: a small GELU FFN (hidden ${DUO.smallHidden}), a big one (hidden ${DUO.bigHidden}) and skip (the FFN adds nothing, the residual carries the image on), one of the three per image and layer (a router reads the mean of the image's tokens). ` +
    `Per seed, the paper's three stages on one model: (1) ${steps} steps on the suite's data, batches and schedule with random routing (each choice with probability 1/3 per image and layer); ` +
    `(2) each of the 3^${DUO.depth} = ${patterns} routing patterns evaluated on every test image (duo-all-big and duo-all-small are two of them); ` +
    `(3) the model frozen, a linear router per layer (top-1; a straight-through gate: 1 in the forward pass, the gradient of the chosen probability; ${penalty()}; their compute is measured) trained for ${routerSteps} steps at peak lr ${duo.routerLr} on the same batches: duo-router. ` +
    `duo-random: random routing at test. duo-oracle: per test image the pattern of lowest loss among those whose compute is at most duo-router's mean measured compute (that seed's; a budget per image, stricter than one on the average); duo-oracle-one-big: per test image the best of the ${DUO.depth} patterns with the big module in exactly one layer and the small one elsewhere. ` +
    `The oracles read the test labels through the loss, as the paper's oracle does: they bound what routing can reach on this model, they are not routers. ` +
    `compute: an image's FFN FLOPs over those of the big module in every layer (skip 0, small ${DUO.smallHidden / DUO.bigHidden}, big 1); bigShare / skipShare: shares of its (token, layer) choices; bigAt<l>: share of images whose oracle pattern has the big module in layer l + 1. ` +
    "Every row is the same model per seed on the same test images, so differences are paired over the images; flopsPerSample scales the FFN part by the row's compute, paramsActive counts the big path."
  );
}
