/** Float16 conversion lives in src/util/half.ts (shared by every format). */
export * from '../../src/util/half.js';
