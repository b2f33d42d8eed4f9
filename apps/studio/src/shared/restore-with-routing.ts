/**
 * restoration's `restoreImageAsync` with the routing of every tile kept: its `onAux` hook hands
 * over each batch's routed-layer outputs as the model returned them (aux.indices: the experts each
 * image token went to in each MoFME layer) with the batch's tile origins.
 */
import { routingMetricsAsync, type RoutingMetrics } from '@moe-zoo/core';
import {
  restoreImageAsync,
  type RestorationNet,
  type RgbImage,
  type RestoreOptions,
} from '@moe-zoo/restoration';
import { disposeAux, RoutingRecorder } from './routing-recorder';
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
  const tiles: [number, number][] = [];
  let restored: RgbImage;
  try {
    restored = await restoreImageAsync(net, img, {
      ...options,
      onAux: (aux, batch) => {
        recorder.record(aux);
        tiles.push(...batch);
      },
    });
  } catch (e) {
    recorder.dispose();
    throw e;
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
    return { restored, layout: { width: img.width, height: img.height, tiles, tile, patch }, layers, calls };
  } finally {
    for (const aux of merged) disposeAux(aux);
  }
}
