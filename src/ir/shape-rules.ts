/**
 * Shape rules that the IR, the converters and the reference runtimes must agree on, written once:
 * a converter that pads or broadcasts differently from the IR's own evaluator is a parity bug.
 */

/**
 * numpy broadcasting: shapes aligned at the last axis, each aligned size equal or 1.
 * Undefined when they do not broadcast (each caller words its own error).
 */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (size !== 1 && d !== size) return undefined;
      size = d;
    }
    out.push(size);
  }
  return out;
}

/**
 * SAME padding along one axis, as TF, TFLite and MIL's 'same' define it: the output has
 * ceil(size / stride) positions, and of the total padding that takes the odd pixel goes at the end.
 * `kernel` is the effective (dilated) kernel extent.
 */
export function samePads(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** A tuple of N numbers: what `dims` returns, so destructuring it gives plain numbers. */
export type Dims<N extends number, T extends number[] = []> = T['length'] extends N ? T : Dims<N, [...T, number]>;

/**
 * `shape` as a rank-N tuple, after checking its rank. Emitters destructure shapes ([B, L, C] =
 * ...): an unchecked `as [number, number, number]` would let a wrong rank through as undefined
 * dims, where this names it.
 */
export function dims<N extends 1 | 2 | 3 | 4 | 5>(shape: readonly number[], rank: N, what = 'shape'): Dims<N> {
  if (shape.length !== rank) throw new Error(`${what}: [${shape.join(', ')}] has rank ${shape.length}, expected ${rank}`);
  return [...shape] as Dims<N>;
}
