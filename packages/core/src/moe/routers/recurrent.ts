import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { GruCell } from '../../nn/gru-cell';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { gatherRows, normalizeRows } from '../ops';
import { RecurrentRouterOptionsSchema } from './options';
import { RouteContext, RouteResult, Router } from './router';

/** Options of the router (see `RecurrentRouterOptionsSchema`: strict, sizes bounded). */
export type RecurrentRouterOptions = z.input<typeof RecurrentRouterOptionsSchema>;

/**
 * RMoE's layerwise recurrent router (Qiu et al. 2024, "Layerwise Recurrent Router for
 * Mixture-of-Experts", arXiv 2408.06793): the tokens are projected to the state width S,
 * `u = x P` (P [D, S], this layer's), a GRU cell shared by every routed layer of the model takes
 * the previous routed layer's state, `h = GRU(u, h_prev)` (the zero state in the first layer),
 * and the logits are read from the new state, `z = h O` (O [S, E], this layer's); then softmax,
 * top-k and renormalised weights as in Mixtral. The new state is returned as `state`, which a
 * routed layer passes on (`aux.routerState`) to the next layer's router (`ctx.state`), so each
 * layer's routing depends on the routing information of the layers before it and the gradient
 * of a later layer's loss reaches the earlier layers' projections and the GRU.
 *
 * The GRU is shared: pass the model's cell (which the model owns and counts once); without one,
 * the router owns a cell of its own (child `cell`).
 *
 * @example
 * ```ts
 * const cell = new GruCell({ inputDim: 8, hiddenDim: 8 });
 * const r1 = new RecurrentRouter({ dim: 32, numExperts: 8, k: 2, stateDim: 8 }, cell);
 * const r2 = new RecurrentRouter({ dim: 32, numExperts: 8, k: 2, stateDim: 8 }, cell);
 * const a = r1.route(x1);                      // from the zero state
 * const b = r2.route(x2, { state: a.state });  // layer 2 routes from layer 1's state
 * ```
 */
export class RecurrentRouter extends Router {
  /** The projection P [D, S] of this layer's tokens into the GRU's input. */
  readonly proj: tf.Variable;
  /** The read-out O [S, E] of the logits from the state. */
  readonly out: tf.Variable;
  /** The GRU cell (shared across layers, or owned when none was given). */
  readonly cell: GruCell;
  /** Whether the cell belongs to this router (counted in its parameters). */
  readonly ownsCell: boolean;
  readonly stateDim: number;
  private readonly dim: number;

  constructor(options: RecurrentRouterOptions, cell?: GruCell) {
    const o = parseConfig(RecurrentRouterOptionsSchema, options, 'recurrent router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.stateDim = o.stateDim;
    if (cell && (cell.inputDim !== o.stateDim || cell.hiddenDim !== o.stateDim)) {
      throw new Error(
        `RecurrentRouter: the shared GRU cell is ${cell.inputDim} -> ${cell.hiddenDim}, stateDim is ${o.stateDim}`,
      );
    }
    this.proj = this.param('proj', fanInUniform([o.dim, o.stateDim], o.dim));
    this.out = this.param('out', fanInUniform([o.stateDim, o.numExperts], o.stateDim));
    this.ownsCell = !cell;
    this.cell = cell ?? this.child('cell', new GruCell({ inputDim: o.stateDim, hiddenDim: o.stateDim }));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const prev = ctx.state;
    if (prev && (prev.shape[0] !== x.shape[0] || prev.shape[1] !== this.stateDim)) {
      throw new Error(
        `RecurrentRouter: state [${prev.shape}] does not fit ${x.shape[0]} tokens and stateDim ${this.stateDim}`,
      );
    }
    const state = this.cell.forward(tf.matMul(x, this.proj) as tf.Tensor2D, prev);
    const logits = tf.matMul(state, this.out) as tf.Tensor2D;
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const indices = this.chooseExperts(probs, this.k, ctx);
    const weights = normalizeRows(gatherRows(probs, indices));
    return { assignment: { kind: 'token', indices, weights }, logits, probs, state };
  }

  /** The projection, one GRU step and the read-out, per token (every layer runs the shared cell). */
  flopsPerToken(): number {
    return 2 * this.dim * this.stateDim + this.cell.flopsPerToken() + 2 * this.stateDim * this.numExperts;
  }
}
