import { initBackend } from '@moe-zoo/core';
import {
  decodeImage,
  encodeImage,
  ImageError,
  imagesToTensor,
  imageToTensor,
  renderSvg,
  type DecodedImage,
} from '../src';

/** A 12×8 RGB gradient with distinct channels. */
function gradient(): DecodedImage {
  const width = 12;
  const height = 8;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = x / (width - 1);
      data[p + 1] = y / (height - 1);
      data[p + 2] = 0.5;
    }
  }
  return { width, height, channels: 3, data };
}

// Decoding, encoding, limits and errors are tested in @moe-zoo/data; vision adds the tensors and SVG.
describe('vision image helpers', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('turns decoded images into tensors, naming a mismatched image', async () => {
    const bytes = await encodeImage(gradient(), 'png');
    const grey = await decodeImage(bytes, { width: 6, height: 4, channels: 1 });
    const rgb = await decodeImage(bytes);
    const t = imageToTensor(grey);
    expect(t.shape).toEqual([4, 6, 1]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(grey.data));
    const batch = imagesToTensor([grey, grey]);
    expect(batch.shape).toEqual([2, 4, 6, 1]);
    t.dispose();
    batch.dispose();
    expect(() => imagesToTensor([grey, rgb])).toThrow(/image 1 is 12x8x3, image 0 is 6x4x1/);
    expect(() => imagesToTensor([])).toThrow(ImageError);
  });

  it('rasterises SVG to greyscale in [0, 1]', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="black"/>' +
      '<rect x="0" y="0" width="4" height="8" fill="white"/></svg>';
    const px = await renderSvg(svg, 8, 8);
    expect(px.length).toBe(64);
    expect(px[0]).toBeCloseTo(1, 2);
    expect(px[7]).toBeCloseTo(0, 2);
  });
});
