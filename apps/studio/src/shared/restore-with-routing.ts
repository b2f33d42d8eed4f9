/**
 * restoration's `restoreImage`, unchanged, with the routing of every tile kept: the net's own
 * `forward` is wrapped for the call, so each batch's `{ y, aux }` is recorded as the model
 * returned it (aux.indices: the experts each image token went to in each MoFME layer).
 */
import { routingMetricsAsync, type RoutingMetrics } from '@moe-zoo/core';
import { restoreImage, type RestorationNet, type RgbImage, type RestoreOptions } from '@moe-zoo/restoration';
import { disposeAux, RoutingRecorder } from './routing-recorder';
import { defaultOverlap, tileOrigins } from './tile-grid';
import type { TokenLayout } from './expert-map';

/** The routing of one routed layer over a whole restore. */
export interface LayerRouting {
  /** Chosen experts, [tiles x tokens, k] row-major. */
  indices: Int32Array;
  k: number;
  numExperts: number;
  /** Core's routing metrics of the layer over the whole image. */
  metrics: RoutingMetrics;
}

/** What {@link restoreWithRouting} returns. */
export interface RoutedRestore {
  restored: RgbImage;
  layout: TokenLayout;
  layers: LayerRouting[];
  /** Forward calls (tile batches) the restore made. */
  calls: number;
}

/**
 * Restores `img` with `restoreImage(net, img, options)` and returns, besides the image, each
 * routed layer's top-k choices for every token of every tile, read from the net's own output.
 *
 * @example
 * ```ts
 * const { restored, layers } = await restoreWithRouting(net, rainy);
 * layers[0].indices; // experts of layer 1, [tiles x 64 tokens, 2]
 * ```
 */
export async function restoreWithRouting(
  net: RestorationNet,
  img: RgbImage,
  options: RestoreOptions = {},
): Promise<RoutedRestore> {
  const recorder = new RoutingRecorder();
  const forward = net.forward;
  net.forward = (x) => {
    const out = forward.call(net, x);
    recorder.record(out.aux);
    return out;
  };
  let restored: RgbImage;
  try {
    restored = restoreImage(net, img, options);
  } finally {
    net.forward = forward;
  }
  const merged = recorder.merged();
  const calls = recorder.callCount;
  recorder.dispose();
  try {
    const layers = await Promise.all(
      merged.map(async (aux): Promise<LayerRouting> => {
        const [rows, k] = aux.indices.shape;
        const indices = (await aux.indices.data()) as Int32Array;
        if (indices.length !== rows * k) throw new Error('restoreWithRouting: ragged routing');
        return { indices, k, numExperts: aux.counts.shape[0], metrics: await routingMetricsAsync(aux) };
      }),
    );
    const { tile, patch } = net.config;
    const tiles = tileOrigins(img.width, img.height, tile, options.overlap ?? defaultOverlap(tile));
    return { restored, layout: { width: img.width, height: img.height, tiles, tile, patch }, layers, calls };
  } finally {
    for (const aux of merged) disposeAux(aux);
  }
}
