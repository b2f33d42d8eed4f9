import {
  FfnExperts,
  initBackend,
  MixedPrecisionExperts,
  moduleStoredBytes,
  RebankedMoELayer,
  TransformerBlock,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';

beforeAll(async () => {
  await initBackend();
});

describe('moduleStoredBytes', () => {
  it('counts float32 parameters at 4 bytes and a quantized bank at its own stored bytes', () => {
    const moe = smallMoeLayer({ dim: 8, hidden: 12, numExperts: 4 }, 5);
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: moe });
    expect(moduleStoredBytes(block)).toBe(4 * block.countParams());

    const bank = new MixedPrecisionExperts(moe.experts as FfnExperts, [8, 4, 2, 2]);
    const layer = new RebankedMoELayer(moe, bank);
    block.replaceFfn(layer);
    const floatOutside = block.countParams() - bank.countParams();
    expect(moduleStoredBytes(block)).toBe(4 * floatOutside + bank.storedBytes());
    expect(bank.storedBytes()).toBeLessThan(4 * moe.experts.countParams());

    block.dispose();
    moe.dispose();
  });
});
