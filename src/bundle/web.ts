/**
 * The web bundle's web/ folder:
 * - audio-to-midi-web.js: an ES module with `createTranscriber()` (src/bundle/web/transcriber.ts
 *   bundled by esbuild with the pipeline's own modules: normalize, window, events, midi-out),
 *   its types and a package.json;
 * - a static demo page that imports it: index.html + style.css (copied from src/bundle/web/),
 *   app.js (app.ts), tf.min.js and the WebAssembly backend (copied from node_modules: no CDN,
 *   the page works offline).
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

/** The ES module an app imports, and its types (audio-to-midi-web.d.ts, written by hand, checked against transcriber.ts). */
export const WEB_MODULE = 'audio-to-midi-web.js';
export const WEB_MODULE_TYPES = 'audio-to-midi-web.d.ts';

/**
 * Files of the web/ folder, by name: the ES module (+ types and a package.json so
 * `npm install ./web` or a bundler takes it as a package), and the demo page that
 * imports it.
 */
/** What the web package.json says of itself; author and license are the model's (the bundle's ModelInfo), as in every artifact. */
export interface WebPackageInfo { name: string; version: string; description: string; author?: string; license?: string }

export async function webBundleFiles(pkg: WebPackageInfo): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const scripts = await webScripts();
  files.set(WEB_MODULE, scripts.module);
  files.set(WEB_MODULE_TYPES, await readFile(path.join(WEB_SRC, WEB_MODULE_TYPES)));
  files.set('package.json', new TextEncoder().encode(JSON.stringify(webPackageJson(pkg), null, 2) + '\n'));
  for (const f of ['index.html', 'style.css']) files.set(f, await readFile(path.join(WEB_SRC, f)));
  files.set('app.js', scripts.app);
  for (const [pkgName, names] of Object.entries(TFJS_BROWSER_FILES)) {
    for (const f of names) files.set(f, await readFile(path.join(packageDist(pkgName), f)));
  }
  return files;
}

/** tfjs is a peer: the app brings its own (one tfjs per page); its major version is the one the model was tested with. */
function webPackageJson(pkg: WebPackageInfo): Record<string, unknown> {
  const tfjsMajor = String(require('@tensorflow/tfjs/package.json').version).split('.')[0];
  return {
    name: `${pkg.name}-web`, version: pkg.version, description: pkg.description,
    ...(pkg.author ? { author: pkg.author } : {}), ...(pkg.license ? { license: pkg.license } : {}),
    type: 'module',
    main: `./${WEB_MODULE}`, types: `./${WEB_MODULE_TYPES}`,
    exports: { '.': { types: `./${WEB_MODULE_TYPES}`, import: `./${WEB_MODULE}` }, './model/*': './model/*', './Audio2Midi.json': './Audio2Midi.json' },
    peerDependencies: { '@tensorflow/tfjs': `^${tfjsMajor}` },
    sideEffects: false,
  };
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
 * The module and the page's script, prebuilt into the compiled package by scripts/build.mjs
 * (from the same sources with the same settings, so the same bytes).
 */
export const PREBUILT_SCRIPTS = { module: 'audio-to-midi-web.bundle.js', app: 'app.bundle.js' } as const;

export interface WebScripts { module: Uint8Array; app: Uint8Array }

/** Both scripts: bundled from the sources where they are (a clone), else the package's prebuilt copies. */
export async function webScripts(): Promise<WebScripts> {
  if (existsSync(path.join(WEB_SRC, 'app.ts'))) return buildWebScripts();
  const read = async (name: string) => {
    const prebuilt = path.join(WEB_SRC, name);
    if (!existsSync(prebuilt)) throw new A2mError(`${prebuilt}: missing (the package's build step writes it: npm run build)`);
    return readFile(prebuilt);
  };
  return { module: await read(PREBUILT_SCRIPTS.module), app: await read(PREBUILT_SCRIPTS.app) };
}

/**
 * The page imports the transcriber as the separate module file (so it runs exactly what
 * an app imports), not a second copy inlined into app.js.
 */
const transcriberAsModuleFile: Plugin = {
  name: 'transcriber-as-module-file',
  setup(b) {
    b.onResolve({ filter: /^\.\/transcriber\.js$/ }, () => ({ path: `./${WEB_MODULE}`, external: true }));
  },
};

/** `srcDir`/transcriber.ts and app.ts -> two ES modules. Deterministic: the same sources give the same bytes. */
export async function buildWebScripts(srcDir = WEB_SRC): Promise<WebScripts> {
  const bundleOne = async (entry: string, plugins: Plugin[], minify: boolean) => {
    const r = await build({
      entryPoints: [path.join(srcDir, entry)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [nodeBuiltinsStub, ...plugins],
      // Absolute paths would differ between checkouts; keep the output independent of where the sources lie.
      absWorkingDir: path.resolve(srcDir, '..', '..', '..'),
    });
    if (r.errors.length) throw new A2mError(`web bundle build failed (${entry}): ${r.errors[0]!.text}`);
    return r.outputFiles[0]!.contents;
  };
  // The module is not minified: app developers read and step through it; their bundler minifies.
  return { module: await bundleOne('transcriber.ts', [], false), app: await bundleOne('app.ts', [transcriberAsModuleFile], true) };
}
