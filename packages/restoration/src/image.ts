/** An RGB image in [0, 1], row-major HWC (`data[(y * width + x) * 3 + c]`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** A blank (black) image. */
export function createImage(width: number, height: number): RgbImage {
  return { width, height, data: new Float32Array(width * height * 3) };
}

/** A deep copy. */
export function cloneImage(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: new Float32Array(img.data) };
}

/** The `w` x `h` region at (x, y) (must lie inside the image). */
export function cropImage(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  if (x < 0 || y < 0 || x + w > img.width || y + h > img.height) {
    throw new Error(`cropImage: ${w}x${h} at (${x}, ${y}) is outside ${img.width}x${img.height}`);
  }
  const out = createImage(w, h);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * img.width + x) * 3;
    out.data.set(img.data.subarray(from, from + w * 3), r * w * 3);
  }
  return out;
}

/** Box-filter downscaling by an integer factor (the remainder rows/columns are dropped). */
export function downscale(img: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`downscale: bad factor ${factor}`);
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const out = createImage(w, h);
  const norm = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) {
            s += img.data[((y * factor + dy) * img.width + x * factor + dx) * 3 + c];
          }
        }
        out.data[(y * w + x) * 3 + c] = s * norm;
      }
    }
  }
  return out;
}
