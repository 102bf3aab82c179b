/** Every MIL op the evaluator executes, one definition each (the `const` op is handled by the loader). */
import type { MilOpDef } from './types.js';
import { ELEMENTWISE_OPS } from './elementwise.js';
import { LINALG_OPS } from './linalg.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';
import { COMPARE_OPS } from './compare.js';

export const MIL_OPS: Record<string, MilOpDef> = { ...ELEMENTWISE_OPS, ...LINALG_OPS, ...REDUCE_OPS, ...SHAPE_OPS, ...COMPARE_OPS };
export type { MilOpDef, OpContext } from './types.js';
