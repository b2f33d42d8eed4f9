/** Why an image could not be read or written. */
export type ImageErrorCode = 'UNSUPPORTED' | 'CORRUPT' | 'TOO_LARGE' | 'INVALID' | 'IO';

/**
 * The one typed error of the image readers and writers: `code` says why, the message names the
 * source (file name or label) when there is one.
 *
 * @example
 * ```ts
 * throw new ImageError('TOO_LARGE', '9000x9000 is over the 40-megapixel limit', 'photo.jpg');
 * // message: "photo.jpg: 9000x9000 is over the 40-megapixel limit"
 * ```
 */
export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}${message}`);
    this.name = 'ImageError';
  }
}
