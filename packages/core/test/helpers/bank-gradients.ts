import { tf, type ExpertBank } from '../../src';

/**
 * Checks the gradients of `sum(bank.forwardSorted(x, sizes) * r)` with respect to the input and a
 * few entries of every parameter against central finite differences; returns how many entries
 * were checked.
 */
export function checkBankGradients(bank: ExpertBank, x: tf.Variable, sizes: number[], seed = 5): number {
  const r = tf.randomNormal([x.shape[0], bank.dim], 0, 1, 'float32', seed);
  const loss = () => tf.sum(tf.mul(bank.forwardSorted(x as tf.Tensor2D, sizes), r)) as tf.Scalar;
  const params = [x, ...bank.parameters()];
  const { value, grads } = tf.variableGrads(loss, params);
  value.dispose();
  const eps = 1e-2;
  let checked = 0;
  for (const v of params) {
    const g = grads[v.name].dataSync();
    const values = v.dataSync().slice();
    for (let n = 0; n < 5; n++) {
      const i = (n * 7919 + 13) % values.length;
      const at = (delta: number) => {
        const copy = values.slice();
        copy[i] += delta;
        v.assign(tf.tensor(copy, v.shape));
        return tf.tidy(() => loss().dataSync()[0]);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(values, v.shape));
      expect(Math.abs(numeric - g[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
      checked++;
    }
  }
  tf.dispose([r, ...Object.values(grads)]);
  return checked;
}
