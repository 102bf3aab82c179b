#!/usr/bin/env node
// One-step native set-up, run by `npm install` (postinstall).
//
// Why: @tensorflow/tfjs-node downloads a prebuilt libtensorflow at install
// time, which fails on machines that only reach the npm registry. The
// tensorflow-cpu Python wheel ships the same C library, so we create a
// project-local venv (.venv) with it (plus the Python oracles the tests use)
// and build tfjs-node's N-API binding against it with node-gyp.
// Idempotent: when the binding already loads, this takes a second.
//
// Installed as a dependency (the package root lies under a node_modules
// folder), none of this runs unless A2M_BUILD_TFJS_NODE=1: transcription,
// export and verify need neither the venv nor the binding, so an app's
// `npm install` creates no .venv and builds nothing, and never fails here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const venv = path.join(root, '.venv');
const py = path.join(venv, 'bin', 'python');
const PY_PACKAGES = ['tensorflow-cpu', 'onnx', 'onnxruntime', 'mir_eval', 'numpy', 'music21'];

function log(msg) { process.stderr.write(`[a2m setup] ${msg}\n`); }
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function tfjsNodeDir() {
  return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
}

function bindingLoads() {
  const r = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: root, encoding: 'utf8' });
  return r.status === 0;
}

function pythonReady() {
  if (!existsSync(py)) return false;
  const r = spawnSync(py, ['-c', 'import tensorflow, onnx, onnxruntime, mir_eval, numpy, music21'], { encoding: 'utf8' });
  return r.status === 0;
}

function ensureVenv() {
  if (pythonReady()) { log('python venv ok (.venv)'); return; }
  const python = process.env.PYTHON ?? 'python3';
  if (!existsSync(py)) { log(`creating .venv with ${python}`); run(python, ['-m', 'venv', venv]); }
  log(`pip install ${PY_PACKAGES.join(' ')} (into .venv)`);
  // --retries 0: an unreachable default index fails over to the configured extra index at once.
  run(py, ['-m', 'pip', 'install', '-q', '--retries', '0', ...PY_PACKAGES]);
}

function tfWheelDir() {
  return execFileSync(py, ['-c', 'import tensorflow as tf, os; print(os.path.dirname(tf.__file__))'], {
    encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  }).trim();
}

function buildBinding() {
  const pkg = tfjsNodeDir();
  const wheel = tfWheelDir();
  log(`building tfjs-node binding against ${wheel}`);
  const deps = path.join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(path.join(deps, 'include'), { recursive: true });
  mkdirSync(path.join(deps, 'lib'), { recursive: true });
  for (const d of ['tensorflow', 'tsl', 'xla']) {
    const src = path.join(wheel, 'include', d);
    if (existsSync(src)) symlinkSync(src, path.join(deps, 'include', d));
  }
  const libs = readdirSync(wheel);
  const cc = libs.find((f) => /^libtensorflow_cc\.so\.2$/.test(f));
  const fw = libs.find((f) => /^libtensorflow_framework\.so\.2$/.test(f));
  if (!cc || !fw) throw new Error(`tensorflow wheel at ${wheel} lacks libtensorflow_cc.so.2 / libtensorflow_framework.so.2`);
  const links = {
    'libtensorflow.so': cc, 'libtensorflow.so.2': cc, 'libtensorflow_cc.so.2': cc,
    'libtensorflow_framework.so': fw, 'libtensorflow_framework.so.2': fw,
  };
  for (const [name, target] of Object.entries(links)) symlinkSync(path.join(wheel, target), path.join(deps, 'lib', name));
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.dirname(process.execPath) + '/../lib/node_modules/npm', root] });
  const nodedir = path.resolve(path.dirname(process.execPath), '..');
  run(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--module_name=tfjs_binding',
    `--module_path=${path.join(pkg, 'lib', 'napi-v8')}`, '--napi_build_version=8'], { cwd: pkg });
}

const asDependency = root.split(path.sep).includes('node_modules');
if (asDependency && process.env.A2M_BUILD_TFJS_NODE !== '1') {
  log('installed as a dependency: no native set-up. tfjs-node features (training, goldens, --backend tfjs) need @tensorflow/tfjs-node with a working binding: ' +
    'npm install @tensorflow/tfjs-node (downloads libtensorflow), or reinstall with A2M_BUILD_TFJS_NODE=1 to build it against a tensorflow-cpu venv (needs python3, g++, make)');
  process.exit(0);
}

try {
  ensureVenv();
  if (bindingLoads()) log('tfjs-node binding ok');
  else {
    buildBinding();
    if (!bindingLoads()) throw new Error('tfjs-node binding still does not load after the build');
    log('tfjs-node binding built and loads');
  }
} catch (e) {
  log(`FAILED: ${e.message}`);
  log('fix: install python3 (with venv) and a C++ toolchain (g++, make), then run `npm rebuild` or `node scripts/setup-native.mjs`');
  // As a dependency (asked for with A2M_BUILD_TFJS_NODE=1) a failed build must not fail the app's install.
  process.exit(asDependency ? 0 : 1);
}
