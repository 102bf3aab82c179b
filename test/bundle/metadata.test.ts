/**
 * A bundle built with --author / --license / --model-version carries the same
 * author, licence and version in all five formats, each in that format's own
 * fields, read back by our readers (and the ONNX file by the onnx package when
 * .venv has it); and no shipped byte holds a machine-local path (the temp
 * folder the checkpoint sits in, the project root, the home folder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { buildBundle } from '../../src/bundle/build.js';
import { projectRoot, venvPython } from '../../src/util/paths.js';
import { localPathsIn, readModelInfo } from '../../fixtures/model-info.js';
import { randomizedCheckpoint, tempDir } from './helpers.js';

const STATED = { author: 'Ada Example <ada@example.org>', license: 'CC-BY-4.0', version: '2.3.1-test' };
/** Where the bundle keeps each format's artifact. */
const ARTIFACTS = { coreml: 'ios/Audio2Midi.mlpackage', tflite: 'android/audio2midi.tflite', tfjs: 'web/model', onnx: 'web/model.onnx', savedmodel: 'server/audio2midi/1' } as const;

test('bundle --author --license --model-version: the same in all five formats; no local path in any file', async (t) => {
  const tmp = tempDir(t);
  const { ckpt } = await randomizedCheckpoint(tmp);
  const { model, state, source } = await loadModel(ckpt);
  const out = path.join(tmp, 'bundle');
  await buildBundle(model, state, {
    targets: ['ios', 'android', 'web', 'server'], out, source, goldenCases: ['silence'],
    author: STATED.author, license: STATED.license, modelVersion: STATED.version,
  });
  model.dispose();

  const seen: string[] = [];
  for (const [format, rel] of Object.entries(ARTIFACTS)) {
    const places = await readModelInfo(format, path.join(out, ...rel.split('/')));
    for (const field of ['author', 'license', 'version'] as const) {
      const where = Object.entries(places).filter(([, p]) => p.holds.includes(field));
      assert.ok(where.length, `${format} has a place for ${field}`);
      for (const [place, p] of where) {
        assert.equal(p.info[field], STATED[field], `${format} ${place} ${field}`);
        seen.push(`${format}/${place}.${field}`);
      }
    }
  }
  const webPkg = JSON.parse(readFileSync(path.join(out, 'web', 'package.json'), 'utf8')) as { author?: string; license?: string };
  assert.deepEqual([webPkg.author, webPkg.license], [STATED.author, STATED.license], 'web/package.json');
  t.diagnostic(`checked: ${seen.join(', ')}, web/package.json`);

  if (existsSync(venvPython)) {
    // The onnx package's own reader: metadata_props as the ONNX IR spec names them.
    const py = 'import json,sys,onnx; m=onnx.load(sys.argv[1], load_external_data=False); print(json.dumps({p.key: p.value for p in m.metadata_props}))';
    const r = spawnSync(venvPython, ['-c', py, path.join(out, 'web', 'model.onnx')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const props = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual([props.model_author, props.model_license, props.version], [STATED.author, STATED.license, STATED.version], 'onnx.load');
  } else t.diagnostic('onnx package check skipped: .venv not present');

  const needles = [tmp, projectRoot, ...(homedir().length > 1 ? [homedir()] : [])];
  assert.deepEqual(localPathsIn(out, needles), [], 'no machine-local path in any bundle file');
});
