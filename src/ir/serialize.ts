/**
 * The IR graph as plain files another runtime can rebuild it from: `graph.json`
 * (inputs, outputs, nodes with their attributes, value shapes) plus one NumPy
 * `.npy` file per constant. Used to run the very graph the converters consume
 * in Python TensorFlow (bench/tf_train_step.py) without a second copy of the
 * network. The IR itself does not say which constants are learned, so the
 * caller names them (the tfjs ParamStore's variables) and each constant is
 * marked `trainable` accordingly.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { writeDirAtomic } from '../util/atomic.js';
import { type IrGraph, validateGraph } from './graph.js';
import { OPS } from './ops.js';
import { type HostTensor, float32Bytes, sizeOf } from './tensor.js';

export const IR_JSON_FORMAT = 'a2m-ir-json';
export const IR_JSON_VERSION = 1;

export interface IrJsonConstant { name: string; shape: number[]; file: string; trainable: boolean }

export interface IrJson {
  format: typeof IR_JSON_FORMAT;
  version: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; value: string }[];
  nodes: { name: string; op: string; inputs: string[]; output: string; attrs: unknown }[];
  constants: IrJsonConstant[];
  shapes: Record<string, number[]>;
  metadata: Record<string, string>;
}

// ---- .npy (format 1.0: magic, version, little-endian u16 header length, Python-dict header) ----
const NPY_MAGIC = Uint8Array.from([0x93, ...Buffer.from('NUMPY'), 1, 0]);
/** magic + version + header length + header is padded to a multiple of this (the spec's alignment). */
const NPY_ALIGN = 64;

/** A float32 tensor as the bytes of a NumPy .npy file. */
export function npyBytes(t: HostTensor): Uint8Array {
  if (t.data.length !== sizeOf(t.shape)) throw new A2mError(`npy: ${t.data.length} values do not fill shape [${t.shape}]`);
  const tuple = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = NPY_MAGIC.length + 2 + dict.length + 1;
  const header = dict + ' '.repeat((NPY_ALIGN - (unpadded % NPY_ALIGN)) % NPY_ALIGN) + '\n';
  const out = new Uint8Array(NPY_MAGIC.length + 2 + header.length + t.data.length * 4);
  out.set(NPY_MAGIC, 0);
  new DataView(out.buffer).setUint16(NPY_MAGIC.length, header.length, true);
  out.set(Buffer.from(header, 'latin1'), NPY_MAGIC.length + 2);
  out.set(float32Bytes(t.data), NPY_MAGIC.length + 2 + header.length);
  return out;
}

/** Reads a little-endian float32 C-order .npy file (what npyBytes and numpy.save of float32 write). */
export function parseNpy(bytes: Uint8Array, file = 'npy'): HostTensor {
  const bad = (why: string): never => { throw new A2mError(`${file}: ${why}`); };
  if (bytes.length < 10 || !NPY_MAGIC.subarray(0, 6).every((b, i) => bytes[i] === b)) bad('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const [lenBytes, headerLen] = major === 1 ? [2, view.getUint16(8, true)] : [4, view.getUint32(8, true)];
  const start = 8 + lenBytes;
  const header = Buffer.from(bytes.subarray(start, start + headerLen)).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) bad(`only little-endian float32 is supported, header ${header.trim()}`);
  if (/'fortran_order':\s*True/.test(header)) bad('Fortran-order arrays are not supported');
  const m = /'shape':\s*\(([^)]*)\)/.exec(header) ?? bad(`no shape in header ${header.trim()}`);
  const shape = m[1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = sizeOf(shape), offset = start + headerLen;
  if (bytes.length - offset !== n * 4) bad(`${bytes.length - offset} data bytes, shape [${shape}] needs ${n * 4}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + i * 4, true);
  return { shape, data };
}

/** The JSON description of a graph; constants are referenced by file (`constants/<index>.npy`). */
export function irToJson(g: IrGraph, trainable: ReadonlySet<string> = new Set()): IrJson {
  const unknown = [...trainable].filter((n) => !g.constants.has(n));
  if (unknown.length) throw new A2mError(`IR export: trainable name ${unknown[0]} is not a constant of the graph (${unknown.length} such)`);
  return {
    format: IR_JSON_FORMAT, version: IR_JSON_VERSION,
    inputs: g.inputs.map((i) => ({ name: i.name, shape: [...i.shape] })),
    outputs: g.outputs.map((o) => ({ ...o })),
    nodes: g.nodes.map((n) => ({ name: n.name, op: n.op, inputs: [...n.inputs], output: n.output, attrs: n.attrs })),
    constants: [...g.constants].map(([name, t], i) => ({ name, shape: [...t.shape], file: `constants/${i}.npy`, trainable: trainable.has(name) })),
    shapes: Object.fromEntries(g.shapes),
    metadata: { ...g.metadata },
  };
}

/** Writes `graph.json` + `constants/*.npy` into `dir` atomically (the folder appears whole or not at all). */
export async function writeIrFiles(dir: string, g: IrGraph, trainable: ReadonlySet<string> = new Set()): Promise<IrJson> {
  validateGraph(g);
  const json = irToJson(g, trainable);
  await writeDirAtomic(dir, async (tmp) => {
    await mkdir(path.join(tmp, 'constants'));
    for (const c of json.constants) await writeFile(path.join(tmp, c.file), npyBytes(g.constants.get(c.name)!));
    await writeFile(path.join(tmp, 'graph.json'), JSON.stringify(json) + '\n');
  });
  return json;
}

/** Reads a folder written by writeIrFiles back into a graph (shapes re-checked by validateGraph). */
export async function readIrFiles(dir: string): Promise<{ graph: IrGraph; trainable: Set<string> }> {
  const jsonFile = path.join(dir, 'graph.json');
  let json: IrJson;
  try { json = JSON.parse(await readFile(jsonFile, 'utf8')) as IrJson; } catch (e) { throw new A2mError(`${jsonFile}: missing or not JSON (${(e as Error).message})`); }
  if (json.format !== IR_JSON_FORMAT || json.version !== IR_JSON_VERSION) throw new A2mError(`${jsonFile}: format ${json.format} v${json.version}, expected ${IR_JSON_FORMAT} v${IR_JSON_VERSION}`);
  for (const n of json.nodes) if (!(n.op in OPS)) throw new A2mError(`${jsonFile}: node ${n.name} has unknown op ${n.op}`);
  const constants = new Map<string, HostTensor>();
  for (const c of json.constants) {
    const file = path.join(dir, c.file);
    const t = parseNpy(await readFile(file).catch(() => { throw new A2mError(`${file}: missing (constant ${c.name})`); }), file);
    if (t.shape.join() !== c.shape.join()) throw new A2mError(`${file}: shape [${t.shape}], graph.json says [${c.shape}] for ${c.name}`);
    constants.set(c.name, t);
  }
  const graph: IrGraph = {
    inputs: json.inputs, outputs: json.outputs, nodes: json.nodes as IrGraph['nodes'], constants,
    shapes: new Map(Object.entries(json.shapes)), metadata: json.metadata,
  };
  validateGraph(graph);
  return { graph, trainable: new Set(json.constants.filter((c) => c.trainable).map((c) => c.name)) };
}
