/**
 * Corrupted graph models (truncated, bit-flipped, wrong format, short or
 * missing shards) end in a clear A2mError from the importer and from the
 * runtime, never a crash, a hang or a stray TypeError. Seeded fuzz loops.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { A2mError } from '../../../src/errors.js';
import tfjsRuntime from '../../../src/runtimes/tfjs-graph.js';
import { importTfjsGraphModel } from '../../../converters/tfjs/import.js';
import { exportTfjs, tempDir } from './helpers.js';
import { mulberry32 } from '../../../src/util/prng.js';

/** Any single case must settle well within this (a hang fails the test). */
const CASE_TIMEOUT_MS = 10_000;
const IMPORT_FUZZ_CASES = 120;
const RUNTIME_FUZZ_CASES = 66;

const tmp = tempDir('corrupt');
after(tmp.cleanup);
const x = testInput();
const pristine = (async () => {
  const m = await randomizedModel('tiny');
  const dir = await exportTfjs(await m.graph(1), tmp.dir);
  m.dispose();
  return dir;
})();

type Mutation = { name: string; apply: (dir: string, r: () => number) => void };
const pick = <T>(r: () => number, xs: T[]) => xs[Math.floor(r() * xs.length)]!;
const shardOf = (dir: string) => path.join(dir, 'group1-shard1of1.bin');

const MUTATIONS: Mutation[] = [
  { name: 'truncate model.json', apply: (d, r) => { const s = readFileSync(path.join(d, 'model.json')); writeFileSync(path.join(d, 'model.json'), s.subarray(0, Math.floor(r() * s.length))); } },
  { name: 'flip bytes in model.json', apply: (d, r) => {
    const s = readFileSync(path.join(d, 'model.json'));
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) s[Math.floor(r() * s.length)] = 32 + Math.floor(r() * 95);
    writeFileSync(path.join(d, 'model.json'), s);
  } },
  { name: 'flip a digit in model.json', apply: (d, r) => {
    const s = readFileSync(path.join(d, 'model.json'), 'utf8');
    const digits = [...s.matchAll(/\d/g)].map((m) => m.index!);
    const at = pick(r, digits);
    writeFileSync(path.join(d, 'model.json'), s.slice(0, at) + String(Math.floor(r() * 10)) + s.slice(at + 1));
  } },
  { name: 'rename an input reference', apply: (d, r) => {
    const j = JSON.parse(readFileSync(path.join(d, 'model.json'), 'utf8'));
    const n: { input: string[] } = pick(r, (j.modelTopology.node as { input?: string[] }[]).filter((x) => x.input?.length)) as { input: string[] };
    n.input[0] = `${n.input[0]}_gone`;
    writeFileSync(path.join(d, 'model.json'), JSON.stringify(j));
  } },
  { name: 'drop a Const weight from the manifest', apply: (d, r) => {
    const j = JSON.parse(readFileSync(path.join(d, 'model.json'), 'utf8'));
    j.weightsManifest[0].weights.splice(Math.floor(r() * j.weightsManifest[0].weights.length), 1);
    writeFileSync(path.join(d, 'model.json'), JSON.stringify(j));
  } },
  { name: 'wrong format', apply: (d) => {
    const j = JSON.parse(readFileSync(path.join(d, 'model.json'), 'utf8'));
    j.format = 'layers-model';
    writeFileSync(path.join(d, 'model.json'), JSON.stringify(j));
  } },
  { name: 'binary garbage for model.json', apply: (d, r) => writeFileSync(path.join(d, 'model.json'), Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256)))) },
  { name: 'truncate the shard', apply: (d, r) => { const s = readFileSync(shardOf(d)); writeFileSync(shardOf(d), s.subarray(0, Math.floor(r() * s.length))); } },
  { name: 'extra bytes after the shard', apply: (d) => { const s = readFileSync(shardOf(d)); writeFileSync(shardOf(d), Buffer.concat([s, Buffer.alloc(3)])); } },
  { name: 'missing shard', apply: (d) => rmSync(shardOf(d)) },
  { name: 'bad quantization entry', apply: (d, r) => {
    const j = JSON.parse(readFileSync(path.join(d, 'model.json'), 'utf8'));
    pick(r, j.weightsManifest[0].weights as { quantization?: unknown }[]).quantization = pick(r, [{ dtype: 'int4' }, { dtype: 'uint8' }, 'float16', null]);
    writeFileSync(path.join(d, 'model.json'), JSON.stringify(j));
  } },
];

async function settle<T>(p: Promise<T>, label: string): Promise<{ ok: true } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${label}: no answer within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS); });
  try { await Promise.race([p, timeout]); return { ok: true }; } catch (error) { return { ok: false, error }; } finally { clearTimeout(timer); }
}

async function fuzz(cases: number, seed: number, attempt: (dir: string) => Promise<unknown>): Promise<Record<string, number>> {
  const src = await pristine;
  const r = mulberry32(seed);
  const tally: Record<string, number> = {};
  for (let k = 0; k < cases; k++) {
    const mutation = MUTATIONS[k % MUTATIONS.length]!;
    const dir = path.join(tmp.dir, `case-${seed}-${k}`);
    cpSync(src, dir, { recursive: true });
    mutation.apply(dir, r);
    const res = await settle(attempt(dir), `case ${k} (${mutation.name})`);
    if (!res.ok) {
      assert.ok(res.error instanceof A2mError, `case ${k} (${mutation.name}): ${String((res.error as Error)?.stack ?? res.error)}`);
      assert.ok(!(res.error as Error).message.includes('\n'), `case ${k} (${mutation.name}): multi-line message`);
    }
    tally[res.ok ? 'accepted' : 'A2mError'] = (tally[res.ok ? 'accepted' : 'A2mError'] ?? 0) + 1;
    rmSync(dir, { recursive: true, force: true });
  }
  return tally;
}

test('importer: corrupted model.json and shards give A2mError (seeded fuzz)', async (t) => {
  const tally = await fuzz(IMPORT_FUZZ_CASES, 1, (dir) => importTfjsGraphModel(dir));
  t.diagnostic(JSON.stringify(tally));
  assert.ok((tally.A2mError ?? 0) > IMPORT_FUZZ_CASES / 2, 'most corruptions must be detected');
});

test('runtime: corrupted files give A2mError from load or run (seeded fuzz)', async (t) => {
  const tally = await fuzz(RUNTIME_FUZZ_CASES, 2, async (dir) => {
    const s = await tfjsRuntime.load(dir);
    try { await s.run({ samples: x }); } finally { await s.dispose(); }
  });
  t.diagnostic(JSON.stringify(tally));
});

test('each mutation kind names the file or node in its message', async () => {
  const src = await pristine;
  const expectations: [string, RegExp][] = [
    ['truncate model.json', /model\.json: not valid JSON/],
    ['wrong format', /model\.json: format is "layers-model", expected "graph-model"/],
    ['rename an input reference', /model\.json: node .* reads ".*_gone", which is not a node of the graph/],
    ['drop a Const weight from the manifest', /model\.json weightsManifest\[0\] \(group1-shard1of1\.bin\): the manifest describes \d+ bytes of weights, the shards hold \d+/],
    ['truncate the shard', /weightsManifest\[0\] \(group1-shard1of1\.bin\): the manifest describes \d+ bytes of weights, the shards hold \d+/],
    ['missing shard', /group1-shard1of1\.bin: weight shard listed in model\.json is missing/],
  ];
  const r = mulberry32(3);
  for (const [name, re] of expectations) {
    const dir = path.join(tmp.dir, `named-${name.replace(/\W+/g, '-')}`);
    cpSync(src, dir, { recursive: true });
    MUTATIONS.find((m) => m.name === name)!.apply(dir, () => Math.min(r(), 0.99));
    await assert.rejects(importTfjsGraphModel(dir), (e: unknown) => e instanceof A2mError && re.test(e.message), name);
    await assert.rejects(tfjsRuntime.load(dir).then((s) => s.run({ samples: x })), (e: unknown) => e instanceof A2mError, `runtime: ${name}`);
  }
});
