/**
 * Corrupted .tflite files (truncated, bit-flipped, wrong magic, overwritten
 * offsets) end in an A2mError naming the file, never a crash, an unexpected
 * exception type or a hang. Seeded, so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Model } from '../../../src/model/model.js';
import { A2mError } from '../../../src/errors.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { graphToTflite } from '../../../converters/tflite/convert.js';
import { readTflite } from '../../../converters/tflite/read.js';
import { mulberry32 } from '../../../src/util/prng.js';

const CASES_PER_FILE = 300;
/** Generous per-parse bound: a valid parse of these files takes a few ms. */
const MAX_PARSE_MS = 2000;

type Mutation = { kind: string; bytes: Uint8Array };

function* mutations(original: Uint8Array, seed: number): Generator<Mutation> {
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  // The flatbuffer's structure (tables, vtables, offsets) sits outside the big data buffers; aim most edits there.
  const structureEnd = Math.min(original.length, 64 * 1024);
  const wrongMagic = original.slice();
  wrongMagic.set([0x54, 0x46, 0x4c, 0x32], 4); // "TFL2"
  yield { kind: 'wrong magic', bytes: wrongMagic };
  yield { kind: 'empty', bytes: new Uint8Array(0) };
  for (let i = 0; i < CASES_PER_FILE; i++) {
    const b = original.slice();
    const kind = i % 4;
    if (kind === 0) {
      yield { kind: 'truncated', bytes: original.slice(0, int(original.length)) };
      continue;
    }
    if (kind === 1) {
      for (let f = 1 + int(8); f > 0; f--) { const p = r() < 0.8 ? int(structureEnd) : int(b.length); b[p]! ^= 1 << int(8); }
      yield { kind: 'bit flips', bytes: b };
    } else if (kind === 2) {
      const p = int(structureEnd - 4) & ~3;
      new DataView(b.buffer).setUint32(p, [0xffffffff, 0x7fffffff, int(b.length * 2), 0][int(4)]!, true);
      yield { kind: 'overwritten word', bytes: b };
    } else {
      const p = int(structureEnd), n = 1 + int(64);
      for (let k = 0; k < n && p + k < b.length; k++) b[p + k] = int(256);
      yield { kind: 'random run', bytes: b };
    }
  }
}

function fuzz(label: string, original: Uint8Array, seed: number): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const m of mutations(original, seed)) {
    const t0 = performance.now();
    let outcome = 'parsed';
    try {
      readTflite(m.bytes, label);
    } catch (e) {
      if (!(e instanceof A2mError)) throw new Error(`${m.kind}: ${label} threw ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
      assert.ok(e.message.startsWith(`${label}: `), `error names the file: ${e.message}`);
      assert.ok(!e.message.includes('\n'), 'one-line error');
      outcome = 'A2mError';
    }
    const ms = performance.now() - t0;
    assert.ok(ms < MAX_PARSE_MS, `${m.kind}: parse took ${ms.toFixed(0)} ms`);
    const key = `${m.kind} -> ${outcome}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return outcomes;
}

test('fuzzed copies of the reference nmp.tflite end in A2mError or parse', { skip: hasReference ? false : 'skipped: ../shared/reference not present' }, (t) => {
  const bytes = new Uint8Array(readFileSync(path.join(referenceDir, 'basic-pitch', 'nmp.tflite')));
  const outcomes = fuzz('nmp.tflite', bytes, 1234);
  t.diagnostic(JSON.stringify(outcomes));
  assert.ok((outcomes['wrong magic -> A2mError'] ?? 0) === 1);
  assert.ok(Object.entries(outcomes).some(([k, n]) => k.startsWith('bit flips -> A2mError') && n > 0), 'some bit flips are detected');
});

test('fuzzed copies of our own tiny export end in A2mError or parse', async (t) => {
  const model = Model.create('tiny', 0);
  const graph = await model.graph(1);
  model.dispose();
  const { bytes } = graphToTflite(graph, { precision: 'fp32' });
  const outcomes = fuzz('tiny.tflite', bytes, 99);
  t.diagnostic(JSON.stringify(outcomes));
  assert.ok((outcomes['truncated -> A2mError'] ?? 0) > 0);
});
