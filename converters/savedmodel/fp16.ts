/** IEEE half precision, as TF's DT_HALF stores it: round-to-nearest-even from float32. */

import { toHalfBits, fromHalfBits, toHalfArray } from '../../src/util/half.js';

export { toHalfBits, fromHalfBits, toHalfArray };
