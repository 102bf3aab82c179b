#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so a clone works without a build step.
// Quiet TensorFlow's C++ start-up logging unless the user asked for it.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
