/**
 * Extensions (lowercase, no dot) of the pictures `similar images` reads: what sharp's bundled libvips decodes from
 * a buffer here. HEIF support is AVIF only (no HEVC decoder in sharp's build, so .heic is left out); SVG is a
 * drawing to render rather than a photo to compare, and RAW camera files need a decoder sharp does not bundle.
 */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ...'jpg jpeg jpe jfif png webp gif tif tiff avif'.split(' '),
];
