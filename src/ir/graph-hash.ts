/**
 * A content hash of an IR graph: inputs, outputs, every node (op, inputs,
 * attributes), every shape, the metadata and each constant's fields and
 * bytes. Two graphs hash alike exactly when a converter would see the same
 * thing, so the export cache (src/infer/backends.ts) keys on it: any change
 * to the forward pass that records the graph misses the cache.
 *
 * Stable across runs: objects are written with sorted keys and maps in sorted
 * order, so neither attribute order nor constant insertion order matters.
 * Whole objects are hashed, not a list of fields, so a field added to the IR
 * later is covered without touching this file.
 */
import { createHash } from 'node:crypto';
import type { IrGraph } from './graph.js';

/** Bumped when the encoding below changes, so old and new hashes never collide. */
const ENCODING = 'a2m-ir-graph-hash v1';

/** JSON with sorted keys; maps as sorted [key, value] lists; typed arrays and non-finite numbers tagged. */
function canonical(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return { $typed: v.constructor.name, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [canonical(k), canonical(x)]).sort(byJson) };
  if (v instanceof Set) return { $set: [...v].map(canonical).sort(byJson) };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = canonical(x);
  }
  return out;
}

function byJson(a: unknown, b: unknown): number {
  const x = JSON.stringify(a), y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** sha256 (hex) of everything a converter reads from `g`. */
export function graphHash(g: IrGraph): string {
  const h = createHash('sha256').update(`${ENCODING}\0`);
  // Everything but the constants' data as one canonical JSON document...
  const { constants, ...rest } = g;
  h.update(JSON.stringify(canonical(rest))).update('\0');
  // ...then each constant by name: its other fields, then its bytes, unencoded (they are most of the graph).
  for (const [name, { data, ...fields }] of [...constants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(name).update('\0').update(JSON.stringify(canonical(fields))).update('\0').update(data.constructor.name).update('\0');
    h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).update('\0');
  }
  return h.digest('hex');
}
