/**
 * The web bundle's static demo page: index.html + style.css (copied from
 * src/bundle/web/), app.js (src/bundle/web/app.ts bundled by esbuild with the
 * pipeline's own modules: normalize, window, events, midi-out), tf.min.js and
 * the WebAssembly backend (copied from node_modules: no CDN, the page works offline).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { A2mError } from '../errors.js';

const WEB_SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
const require = createRequire(import.meta.url);

/** Files of the demo page, by name in the bundle's web/ folder. */
export async function demoPageFiles(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const f of ['index.html', 'style.css']) files.set(f, await readFile(path.join(WEB_SRC, f)));
  files.set('app.js', await demoScript());
  for (const [pkg, names] of Object.entries(TFJS_BROWSER_FILES)) {
    for (const f of names) files.set(f, await readFile(path.join(packageDist(pkg), f)));
  }
  return files;
}

/**
 * The browser builds copied from node_modules: tfjs itself (UMD, defines the
 * `tf` global) and the WebAssembly backend (attaches `tf.wasm`; its .wasm
 * binaries are fetched from the page's folder: plain, SIMD, threaded SIMD,
 * the browser picks). WebAssembly runs tfjs 10x faster than its pure-JS `cpu`
 * backend where there is no WebGL.
 */
const TFJS_BROWSER_FILES: Record<string, string[]> = {
  '@tensorflow/tfjs': ['tf.min.js'],
  '@tensorflow/tfjs-backend-wasm': ['tf-backend-wasm.min.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'],
};

function packageDist(pkg: string): string {
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'dist');
  } catch (e) {
    throw new A2mError(`${pkg} is not installed: the web bundle copies its browser build from dist/ (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * midi-out.ts and csv.ts also hold file writers (node:fs); the page never
 * calls them, so node built-ins resolve to an empty module instead of failing
 * the browser build.
 */
const nodeBuiltinsStub: Plugin = {
  name: 'node-builtins-stub',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/**
 * The page's script, prebuilt into the compiled package by scripts/build.mjs
 * (from the same sources with the same settings, so the same bytes).
 */
export const PREBUILT_DEMO_SCRIPT = 'app.bundle.js';

/** The demo script: bundled from app.ts where the sources are (a clone), else the package's prebuilt copy. */
export async function demoScript(): Promise<Uint8Array> {
  if (existsSync(path.join(WEB_SRC, 'app.ts'))) return buildDemoScript();
  const prebuilt = path.join(WEB_SRC, PREBUILT_DEMO_SCRIPT);
  if (!existsSync(prebuilt)) throw new A2mError(`${prebuilt}: missing (the package's build step writes it: npm run build)`);
  return readFile(prebuilt);
}

/** `srcDir`/app.ts and what it imports -> one browser script. Deterministic: the same sources give the same bytes. */
export async function buildDemoScript(srcDir = WEB_SRC): Promise<Uint8Array> {
  const r = await build({
    entryPoints: [path.join(srcDir, 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [nodeBuiltinsStub],
    // Absolute paths would differ between checkouts; keep the output independent of where the sources lie.
    absWorkingDir: path.resolve(srcDir, '..', '..', '..'),
  });
  if (r.errors.length) throw new A2mError(`demo page build failed: ${r.errors[0]!.text}`);
  return r.outputFiles[0]!.contents;
}
