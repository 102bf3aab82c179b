/**
 * MIL-level cleanup passes, run in this order after lowering, each followed by
 * a check that every op input is defined before use.
 *
 * cancel_transpose_pairs:
 *     v --transpose(p1)--> t1 --transpose(p2)--> t2 --> users      (p1[p2[i]] == i)
 *   becomes
 *     v --> users                       (t1 stays while something else reads it)
 * dead_code_elimination: drops ops (consts included) no block output depends on,
 *   so unused weights never reach weight.bin.
 */
import type { Operation } from './schema.js';

function immediateInts(op: Operation | undefined): number[] | null {
  if (!op || op.type !== 'const') return null;
  return op.attributes?.val?.immediateValue?.tensor?.ints?.values ?? null;
}

const outName = (op: Operation) => op.outputs![0]!.name!;
const argNames = (op: Operation) => Object.values(op.inputs ?? {}).flatMap((a) => (a.arguments ?? []).map((b) => b.name).filter((n): n is string => !!n));

export function cancelTransposePairs(ops: Operation[], blockOutputs: ReadonlySet<string>): number {
  const producer = new Map<string, Operation>();
  const replace = new Map<string, string>();
  const resolve = (n: string) => { while (replace.has(n)) n = replace.get(n)!; return n; };
  let cancelled = 0;
  for (const op of ops) {
    for (const a of Object.values(op.inputs ?? {})) for (const b of a.arguments ?? []) if (b.name) b.name = resolve(b.name);
    for (const o of op.outputs ?? []) producer.set(o.name!, op);
    if (op.type !== 'transpose' || blockOutputs.has(outName(op))) continue;
    const inner = producer.get(op.inputs!.x!.arguments![0]!.name!);
    if (inner?.type !== 'transpose') continue;
    const p1 = immediateInts(producer.get(inner.inputs!.perm!.arguments![0]!.name!));
    const p2 = immediateInts(producer.get(op.inputs!.perm!.arguments![0]!.name!));
    if (!p1 || !p2 || p1.length !== p2.length || !p2.every((p, i) => p1[p] === i)) continue;
    replace.set(outName(op), inner.inputs!.x!.arguments![0]!.name!);
    cancelled++;
  }
  return cancelled;
}

export function deadCodeElimination(ops: Operation[], blockOutputs: ReadonlySet<string>): Operation[] {
  const live = new Set(blockOutputs);
  const keep: Operation[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (!(op.outputs ?? []).some((o) => live.has(o.name!))) continue;
    keep.push(op);
    for (const n of argNames(op)) live.add(n);
  }
  return keep.reverse();
}

/** Every input refers to a function input or an earlier op's output. */
export function checkDefinedBeforeUse(ops: Operation[], inputs: Iterable<string>, pass: string): void {
  const known = new Set(inputs);
  for (const op of ops) {
    for (const n of argNames(op)) if (!known.has(n)) throw new Error(`after pass ${pass}: op ${outName(op)} (${op.type}) reads ${n} before it is defined`);
    for (const o of op.outputs ?? []) known.add(o.name!);
  }
}

export const PASSES = [
  { name: 'common::cancel_transpose_pairs', run: (ops: Operation[], outs: ReadonlySet<string>) => { cancelTransposePairs(ops, outs); return ops; } },
  { name: 'common::dead_code_elimination', run: deadCodeElimination },
] as const;
