import { initBackend, tf } from '../../src';

beforeAll(async () => { await initBackend(); });

function time(label: string, f: () => tf.Tensor, n = 10) {
  tf.tidy(() => { f().dataSync(); });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tf.tidy(() => { f().dataSync(); });
  console.log(label, ((performance.now() - t0) / n).toFixed(2), 'ms');
}

it('profiles', async () => {
  const a = tf.randomNormal([128, 6, 16]);
  const b = tf.randomNormal([128, 6, 16]);
  const a4 = a.reshape([64, 2, 6, 16]);
  const b4 = b.reshape([64, 2, 6, 16]);
  const p = tf.randomNormal([128, 6, 6]);
  time('3d a b^T', () => tf.matMul(a, b, false, true));
  time('3d a b', () => tf.matMul(p, b));
  time('3d a^T b', () => tf.matMul(p, b, true, false));
  time('4d a b^T', () => tf.matMul(a4, b4, false, true));
  time('2d 384x32x128', () => tf.matMul(tf.reshape(a, [384, 32]), tf.randomNormal([32, 128])));
  time('mul-sum scores', () => tf.sum(tf.mul(tf.expandDims(a, 2), tf.expandDims(b, 1)), -1));
  const big = tf.randomNormal([32, 64, 32]);
  time('3d 32x64x32 b^T', () => tf.matMul(big, big, false, true));
  time('3d 1x64x32 b^T', () => tf.matMul(big.slice([0,0,0],[1,64,32]), big.slice([0,0,0],[1,64,32]), false, true));
  time('mul-sum 32x64x64x32', () => tf.sum(tf.mul(tf.expandDims(big, 2), tf.expandDims(big, 1)), -1));
  await tf.setBackend('cpu');
  time('cpu 3d a b^T', () => tf.matMul(a, b, false, true));
  time('cpu 3d 32x64x32 b^T', () => tf.matMul(big, big, false, true));
  await tf.setBackend('wasm');
});
