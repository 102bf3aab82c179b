#!/usr/bin/env node
// The a2m command. Runs the compiled package (dist/, built by `npm run build`,
// by `prepare` on install and by `npm test`); A2M_DEV=1 runs the TypeScript
// sources through tsx instead (a clone, while editing).
// Quiet TensorFlow's C++ start-up logging unless the user asked for it.
import { existsSync } from 'node:fs';
if (!process.argv.includes('--verbose')) process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (process.env.A2M_DEV !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
