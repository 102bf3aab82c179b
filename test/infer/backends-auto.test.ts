// `auto` tries every backend; when none runs, the error must say why each one failed,
// not only that the last one did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRunner } from '../../src/infer/backends.js';
import { getPreset } from '../../src/model/config.js';
import type { ModelLike } from '../../src/model/host-model.js';

/** A model whose weights cannot be read, as a damaged checkpoint on a failing disk: every backend needs them. */
function unreadableModel(): ModelLike {
  const eio = () => Object.assign(new Error('i/o error, read \'model.bin\''), { code: 'EIO' });
  return {
    config: getPreset('tiny'),
    weights: async () => { throw eio(); },
    graph: async () => { throw eio(); },
    paramCount: () => 0,
    dispose: () => {},
  };
}

test('auto: when no backend runs, the error names each backend and its cause', async () => {
  const log: string[] = [];
  await assert.rejects(makeRunner(unreadableModel(), 'auto', 'fp32', { log: (m) => log.push(m) }), (e: Error) => {
    for (const b of ['onnx', 'savedmodel', 'tflite', 'tfjs']) assert.match(e.message, new RegExp(`${b} failed: EIO: i/o error`), e.message);
    assert.match(e.message, /^auto: no backend could run the model \(onnx failed: /);
    return true;
  });
  assert.equal(log.length, 4, log.join('\n'));
});

test('auto at fp16: the exported backends are tried alone, each failure reported', async () => {
  await assert.rejects(makeRunner(unreadableModel(), 'auto', 'fp16'), (e: Error) => {
    assert.match(e.message, /^auto: no exported backend could run the fp16 model \(onnx failed: EIO: .*; savedmodel failed: EIO: .*; tflite failed: EIO: [^;]*\)$/);
    return true;
  });
});
