import { tf } from '@moe-zoo/core';
import { ImageError, type DecodedImage } from '@moe-zoo/data';

// The image I/O lives in @moe-zoo/data (sharp: PNG/JPEG/WebP, EXIF orientation, one pixel limit);
// vision re-exports it and adds the tensor conversions.
export {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  encodeImage,
  IMAGE_FORMATS,
  ImageError,
  readImage,
  sniffImageFormat,
  writeImage,
  type DecodedImage,
  type DecodeImageOptions,
  type EncodeImageOptions,
  type ImageErrorCode,
  type ImageFormat,
  type Normalise,
} from '@moe-zoo/data';

/** A decoded image as a tensor [height, width, channels]. */
export function imageToTensor(img: DecodedImage): tf.Tensor3D {
  return tf.tensor3d(img.data, [img.height, img.width, img.channels]);
}

/** Same-size images stacked into [N, height, width, channels]; a size mismatch names the image. */
export function imagesToTensor(imgs: DecodedImage[]): tf.Tensor4D {
  if (imgs.length === 0) throw new ImageError('INVALID', 'imagesToTensor: no images');
  const { width, height, channels } = imgs[0];
  const per = width * height * channels;
  const out = new Float32Array(imgs.length * per);
  imgs.forEach((img, i) => {
    if (img.width !== width || img.height !== height || img.channels !== channels) {
      throw new ImageError(
        'INVALID',
        `imagesToTensor: image ${i} is ${img.width}x${img.height}x${img.channels}, image 0 is ${width}x${height}x${channels}`,
      );
    }
    out.set(img.data, i * per);
  });
  return tf.tensor4d(out, [imgs.length, height, width, channels]);
}
