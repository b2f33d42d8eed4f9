/**
 * The browser entry of @moe-zoo/data (`@moe-zoo/data/browser`, and what bundlers pick for
 * `@moe-zoo/data` under the `browser` condition): the image error type and pixel limit that
 * image code shares, without the sharp-based image I/O and the data sets, which need Node.
 */
export { ImageError, type ImageErrorCode } from './image/error';
export { DEFAULT_MAX_PIXELS } from './image/limits';
