/**
 * Keeps the routing a model's routed layers return (`aux` of each forward call: `indices`,
 * `counts`, `probs`, `dropped`) past the caller's `tf.tidy`, and merges the calls of one run into
 * one `MoEAux` per layer, so core's routing metrics see the whole run at once.
 */
import { tf, type MoEAux } from '@moe-zoo/core';

function keptCopy(a: MoEAux): MoEAux {
  return {
    losses: {},
    counts: tf.keep(a.counts.clone()),
    probs: tf.keep(a.probs.clone()),
    dropped: tf.keep(a.dropped.clone()),
    indices: tf.keep(a.indices.clone()),
  };
}

/** Records the aux of forward calls; call {@link RoutingRecorder.dispose} when done. */
export class RoutingRecorder {
  private readonly calls: MoEAux[][] = [];

  /** Keeps copies of one forward call's aux (safe inside a `tf.tidy`). */
  record(aux: readonly MoEAux[]): void {
    this.calls.push(aux.map(keptCopy));
  }

  /** Forward calls recorded so far. */
  get callCount(): number {
    return this.calls.length;
  }

  /**
   * One aux per routed layer over every recorded call: counts and drops summed, probabilities and
   * indices concatenated in call order (token-choice routing: indices [tokens, k]). The caller
   * disposes the result.
   */
  merged(): MoEAux[] {
    if (this.calls.length === 0) return [];
    const layers = this.calls[0].length;
    return Array.from({ length: layers }, (_, l) =>
      tf.tidy(() => {
        const of = this.calls.map((c) => c[l]);
        return {
          losses: {},
          counts: tf.addN(of.map((a) => a.counts)) as tf.Tensor1D,
          probs: tf.concat(of.map((a) => a.probs)) as tf.Tensor2D,
          dropped: tf.addN(of.map((a) => a.dropped)) as tf.Scalar,
          indices: tf.concat(of.map((a) => a.indices)) as tf.Tensor2D,
        };
      }),
    );
  }

  dispose(): void {
    for (const call of this.calls) for (const a of call) disposeAux(a);
    this.calls.length = 0;
  }
}

/** Disposes an aux's tensors. */
export function disposeAux(a: MoEAux): void {
  tf.dispose([a.counts, a.probs, a.dropped, a.indices, ...Object.values(a.losses)]);
}
