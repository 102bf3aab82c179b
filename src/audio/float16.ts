/**
 * Half precision for the decoded-audio cache: audio in float16 keeps ~11
 * significant bits at every level (vs 16-bit PCM's fixed step), at half the
 * size of float32. The conversion itself is the project's one definition
 * (src/util/half.ts); these are the cache's names for it.
 */
export { toHalfBits, toHalfArray as float32ToFloat16, fromHalfArray as float16ToFloat32 } from '../util/half.js';
