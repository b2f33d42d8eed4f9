/**
 * The one pixel limit of the image readers: inputs over 40 megapixels (width × height, checked
 * from the header before any pixel is decoded, and passed to sharp as `limitInputPixels`) fail
 * with `ImageError('TOO_LARGE')`. Override per call with the `maxPixels` option.
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;
