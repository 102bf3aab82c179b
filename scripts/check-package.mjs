#!/usr/bin/env node
// The package as a user gets it (#18), run by CI after `npm test`:
//   npm run check:package            (node scripts/check-package.mjs [--keep])
//
// 1. `npm pack` into a temp folder (runs `prepare`, i.e. the dist/ build); reports
//    the tarball's size and file count and fails if it holds tests, optimizer state
//    (models/default-resume), a .venv or other working folders.
// 2. A fresh app folder (package.json {"type":"module"}) installs the tarball with
//    `npm install --omit=dev --offline --no-audit --no-fund <tarball>`: everything
//    comes from the npm cache that the clone's own install filled (nothing is fetched;
//    a package that is not cached is reported as such). Resolving version ranges needs
//    packuments, which npm caches per Accept header (abbreviated or full): when the cache
//    lacks the kind this npm asks for, the check says so and retries, still offline, with
//    a lockfile pinning the versions of the clone's package-lock.json (tarballs only).
// 3. In the app:
//    (a) `npx a2m --help` works, and the installed bin's --help loads no TensorFlow or
//        runtime (peak RSS bound; wall and CPU times are reported, bench:cli judges them);
//    (b) `npx a2m transcribe fixtures/demo/melody-over-chords.flac -o x.mid --events json`
//        writes a MIDI file (and its events);
//    (c) a ten-line ESM script, `import { transcribe } from 'audio-to-midi'`, gets exactly
//        the notes of (b)'s events: same count, same onsets and keys (and durations,
//        velocities).
// Prints PASS/FAIL per check and a summary; exits 1 on any failure. Temp folders are
// removed (kept with --keep, for a look).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const DEMO = path.join(root, 'fixtures/demo/melody-over-chords.flac');
/** --help must not load TensorFlow (~400 MiB) or a runtime: measured 59 MiB. */
const HELP_MAX_RSS_MIB = 150;
const HELP_RUNS = 5;
/** Paths a published tarball must not hold: [pattern, what it is]. */
const FORBIDDEN = [
  [/(^|\/)test\//, 'tests'],
  [/\.test\.[cm]?[jt]s$/, 'tests'],
  [/^models\/default-resume(\/|$)/, 'optimizer state (models/default-resume)'],
  [/(^|\/)\.venv(\/|$)/, 'a Python venv (.venv)'],
  [/^(data|runs|scratch|bench|golden)\//, 'working folders (data, runs, scratch, bench, golden)'],
  [/(^|\/)node_modules\//, 'bundled node_modules'],
];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'a2m-check-package-'));
const packDir = path.join(tmp, 'pack');
const app = path.join(tmp, 'app');
const results = [];
const info = [];

function record(name, ok, detail) {
  results.push({ name, ok, detail });
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}\n`);
  return ok;
}
const note = (line) => { info.push(line); process.stdout.write(`      ${line}\n`); };
const tail = (s, n = 15) => String(s ?? '').trimEnd().split('\n').slice(-n).join('\n');

/** Runs a command (no shell), returning its status, output and wall seconds. */
function run(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, ...opts });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error, seconds: (performance.now() - t0) / 1000 };
}
const failed = (r) => r.error ? r.error.message : `exit ${r.status ?? r.signal}\n${tail(r.stderr || r.stdout)}`;

/**
 * The app's environment: its own export cache (so nothing of the clone's is reused) and
 * onnxruntime-node's optional CUDA download skipped, as the clone's .npmrc does (on
 * linux/x64 its postinstall otherwise fetches the CUDA EP from NuGet).
 */
const appEnv = { ...process.env, A2M_CACHE_DIR: path.join(tmp, 'cache'), ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' };
delete appEnv.A2M_DEV;

function pack() {
  // prepare (scripts/build.mjs) prints to stdout too: the JSON is the last top-level array.
  const r = run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: root, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) { record('npm pack', false, failed(r)); return null; }
  const at = r.stdout.lastIndexOf('\n[') >= 0 ? r.stdout.lastIndexOf('\n[') + 1 : r.stdout.indexOf('[');
  let meta;
  try { meta = JSON.parse(r.stdout.slice(at))[0]; } catch (e) { record('npm pack', false, `could not read its --json output (${e.message})`); return null; }
  const tarball = path.join(packDir, meta.filename);
  record('npm pack', existsSync(tarball), `${meta.filename} in ${r.seconds.toFixed(1)} s`);
  const files = meta.files.map((f) => f.path);
  note(`tarball: ${(statSync(tarball).size / 2 ** 20).toFixed(2)} MiB packed, ${(meta.unpackedSize / 2 ** 20).toFixed(2)} MiB unpacked, ${meta.entryCount} files`);
  const byTop = {};
  for (const f of meta.files) { const top = f.path.split('/')[0]; byTop[top] = (byTop[top] ?? 0) + f.size; }
  note(`unpacked by folder: ${Object.entries(byTop).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(2)} MiB`).join(', ')}`);
  const bad = files.flatMap((f) => FORBIDDEN.filter(([re]) => re.test(f)).map(([, what]) => `${f} (${what})`));
  record('tarball holds no tests, optimizer state, .venv or working folders', bad.length === 0, bad.length ? `${bad.length} file(s): ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', ...' : ''}` : '');
  const needed = ['bin/a2m.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'models/default/model.json', 'package.json'];
  const missing = needed.filter((f) => !files.includes(f));
  record('tarball holds the CLI, the compiled library and its types, the default model', missing.length === 0, missing.length ? `missing ${missing.join(', ')}` : '');
  return tarball;
}

/** The `npm install` line this check runs, as CI documents it. */
const INSTALL_ARGS = ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund'];

/** Package names npm could not find in its cache, from its output. */
const uncachedIn = (out) => [...new Set([...out.matchAll(/request to (\S+) failed: cache mode is 'only-if-cached'/g)].map((m) => decodeURIComponent(m[1].replace(/^.*?:\/\/[^/]+\//, ''))))];

/**
 * A lockfile for the app pinning every dependency to the version the clone's
 * package-lock.json has, with its registry tarball URL and integrity: npm then needs
 * only the tarballs (cached by the clone's install), no packuments.
 */
function seedLockfile(tarball) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const registry = (run('npm', ['config', 'get', 'registry'], { cwd: app, env: appEnv }).stdout.trim() || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const spec = `file:${path.relative(app, tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages = {
    '': { name: 'a2m-package-check-app', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version, resolved: spec, integrity, hasInstallScript: true, license: pkg.license,
      dependencies: pkg.dependencies, optionalDependencies: pkg.optionalDependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [at, entry] of Object.entries(lock.packages)) {
    if (!at.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const e = { ...entry };
    if (e.devOptional) { delete e.devOptional; e.optional = true; }
    if (!e.resolved && e.integrity) {
      const name = e.name ?? at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
      e.resolved = `${registry}${name}/-/${name.split('/').pop()}-${e.version}.tgz`;
    }
    packages[at] = e;
  }
  writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'a2m-package-check-app', lockfileVersion: 3, requires: true, packages }, null, 1) + '\n');
}

function install(tarball) {
  const name = 'npm install --omit=dev --offline <tarball>';
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'a2m-package-check-app', private: true, type: 'module' }, null, 2) + '\n');
  let r = run('npm', [...INSTALL_ARGS, tarball], { cwd: app, env: appEnv });
  let how = 'versions resolved from the cached packuments';
  if (r.status !== 0 && /ENOTCACHED|only-if-cached/.test(r.stdout + r.stderr)) {
    // Resolving semver ranges needs each dependency's packument; npm caches them per Accept header
    // (abbreviated or full), so a cache filled by one npm may not answer another's request.
    note(`--offline without a lockfile failed: no cached packument for ${uncachedIn(r.stdout + r.stderr).join(', ') || '(see npm\'s log)'}; ` +
      'retrying with the clone\'s package-lock.json versions (tarballs only)');
    rmSync(path.join(app, 'node_modules'), { recursive: true, force: true });
    seedLockfile(tarball);
    r = run('npm', [...INSTALL_ARGS, tarball], { cwd: app, env: appEnv });
    how = "versions pinned by the clone's package-lock.json";
  }
  if (r.status !== 0) {
    const out = `${r.stdout}\n${r.stderr}`;
    const missing = uncachedIn(out);
    record(name, false, /ENOTCACHED|only-if-cached/.test(out)
      ? `--offline: not in the npm cache: ${missing.join(', ') || '(see below)'}; run \`npm install\` in the clone (online) first to fill the cache\n${tail(out)}`
      : failed(r));
    return false;
  }
  record(name, true, `${how}, ${r.seconds.toFixed(1)} s`);
  const warnings = `${r.stderr}`.split('\n').filter((l) => /warn/i.test(l) && !/config|deprecated|install-scripts/i.test(l));
  for (const w of warnings.slice(0, 5)) note(`npm: ${w.trim()}`);
  const tfjsNode = existsSync(path.join(app, 'node_modules/@tensorflow/tfjs-node/package.json'));
  note(`optional @tensorflow/tfjs-node ${tfjsNode ? 'installed' : 'not installed (its install script failed offline; fine: transcription does not need it)'}`);
  record('postinstall created no .venv inside the installed package', !existsSync(path.join(app, 'node_modules', 'audio-to-midi', '.venv')));
  return true;
}

/** Runs a command under GNU time when it is installed, adding its CPU seconds (user + system) to the result. */
function runTimed(cmd, args, opts) {
  if (!existsSync('/usr/bin/time')) return { ...run(cmd, args, opts), cpuSeconds: null };
  const file = path.join(tmp, 'time.out');
  const r = run('/usr/bin/time', ['-q', '-f', '%U %S', '-o', file, cmd, ...args], opts);
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(existsSync(file) ? readFileSync(file, 'utf8') : '');
  return { ...r, cpuSeconds: m ? Number(m[1]) + Number(m[2]) : null };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (xs) => xs.map((t) => t.toFixed(2)).join(', ');

/**
 * (a) `npx a2m --help` works, and the installed CLI's help loads no TensorFlow
 * or runtime: judged by peak memory (59 MiB measured; TensorFlow alone takes
 * ~400 MiB), which a busy machine does not stretch the way it stretches wall
 * time. Wall and CPU times are reported; their targets are bench:cli's.
 */
function checkHelp() {
  const wall = [], cpu = [];
  for (let i = 0; i < HELP_RUNS; i++) {
    const r = runTimed('npx', ['--offline', 'a2m', '--help'], { cwd: app, env: appEnv });
    if (r.status !== 0 || !/a2m transcribe/.test(r.stdout)) return record('(a) npx a2m --help', false, r.status !== 0 ? failed(r) : `no command list in its output:\n${tail(r.stdout)}`);
    wall.push(r.seconds);
    if (r.cpuSeconds !== null) cpu.push(r.cpuSeconds);
  }
  note(`npx a2m --help: median ${median(wall).toFixed(2)} s wall of ${secs(wall)} s${cpu.length ? `, ${median(cpu).toFixed(2)} s CPU` : ''}; load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  const file = path.join(tmp, 'help-rss.out');
  const direct = run('/usr/bin/time', ['-q', '-f', '%M %e', '-o', file, process.execPath, path.join(app, 'node_modules/audio-to-midi/bin/a2m.js'), '--help'], { cwd: app, env: appEnv });
  const [rssKb, seconds] = (existsSync(file) ? readFileSync(file, 'utf8') : '').trim().split(/\s+/).map(Number);
  if (direct.status !== 0 || !rssKb) return record('(a) a2m --help (installed bin)', false, failed(direct));
  return record(`(a) npx a2m --help works; the installed a2m --help stays under ${HELP_MAX_RSS_MIB} MiB (no TensorFlow or runtime loaded)`, rssKb / 1024 < HELP_MAX_RSS_MIB,
    `peak RSS ${(rssKb / 1024).toFixed(0)} MiB, ${seconds} s wall (node bin directly)`);
}

function checkCli() {
  const r = run('npx', ['--offline', 'a2m', 'transcribe', DEMO, '-o', 'x.mid', '--events', 'json'], { cwd: app, env: appEnv });
  if (r.status !== 0) { record('(b) npx a2m transcribe <demo> -o x.mid', false, failed(r)); return null; }
  const mid = path.join(app, 'x.mid');
  const ok = existsSync(mid) && readFileSync(mid).subarray(0, 4).toString('latin1') === 'MThd';
  let events = null;
  try { events = JSON.parse(readFileSync(path.join(app, 'x.json'), 'utf8')); } catch { /* reported below */ }
  record('(b) npx a2m transcribe <demo> -o x.mid', ok && Array.isArray(events),
    ok ? `${statSync(mid).size} bytes of MIDI, ${events?.length ?? 'no'} events in x.json, ${r.seconds.toFixed(1)} s` : 'x.mid missing or not a MIDI file (no MThd header)');
  return Array.isArray(events) ? events : null;
}

function checkLibrary(cliEvents) {
  // Ten lines, as a user would write them.
  writeFileSync(path.join(app, 'lib-check.mjs'), [
    "import { transcribe } from 'audio-to-midi';",
    'const path = process.argv[2];',
    'const r = await transcribe(path, {});',
    'console.log(JSON.stringify(r.notes));',
  ].join('\n') + '\n');
  const r = run(process.execPath, ['lib-check.mjs', DEMO], { cwd: app, env: appEnv });
  if (r.status !== 0) return record("(c) import { transcribe } from 'audio-to-midi'", false, failed(r));
  let notes;
  try { notes = JSON.parse(r.stdout.trim().split('\n').pop()); } catch (e) { return record("(c) import { transcribe } from 'audio-to-midi'", false, `stdout is not the notes' JSON (${e.message})`); }
  if (!cliEvents) return record("(c) import { transcribe } from 'audio-to-midi'", false, `${notes.length} notes, but no CLI events to compare with`);
  const problems = [];
  if (notes.length !== cliEvents.length) problems.push(`${notes.length} notes vs the CLI's ${cliEvents.length}`);
  const n = Math.min(notes.length, cliEvents.length);
  const differ = (field) => { for (let i = 0; i < n; i++) if (notes[i][field] !== cliEvents[i][field]) return i; return -1; };
  for (const field of ['time', 'key', 'duration', 'velocity']) {
    const i = differ(field);
    if (i >= 0) problems.push(`first ${field} difference at note ${i}: library ${JSON.stringify(notes[i])} vs CLI ${JSON.stringify(cliEvents[i])}`);
  }
  return record("(c) import { transcribe } from 'audio-to-midi' gives the CLI's notes", problems.length === 0,
    problems.length ? problems.join('; ') : `${notes.length} notes, onsets, keys, durations and velocities identical (${r.seconds.toFixed(1)} s)`);
}

let exitCode = 1;
try {
  mkdirSync(packDir, { recursive: true });
  mkdirSync(app, { recursive: true });
  process.stdout.write(`check-package: ${root} -> ${tmp}\n`);
  const tarball = pack();
  if (tarball && install(tarball)) {
    checkHelp();
    const events = checkCli();
    checkLibrary(events);
  }
  const bad = results.filter((r) => !r.ok);
  process.stdout.write(`\n${bad.length === 0 ? 'PASS' : 'FAIL'}: ${results.length - bad.length}/${results.length} checks passed${bad.length ? `; failed: ${bad.map((r) => r.name).join('; ')}` : ''}\n`);
  exitCode = bad.length === 0 && results.length > 0 ? 0 : 1;
} catch (e) {
  process.stdout.write(`\nFAIL: check-package crashed: ${e.stack ?? e}\n`);
} finally {
  if (keep) process.stdout.write(`kept ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
