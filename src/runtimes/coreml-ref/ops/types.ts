/** The contract of one MIL op in the evaluator: its input names and its execution. */
import type { MilTensor } from '../tensor.js';

/** What an op sees of its inputs; every accessor fails with the op's name on a missing or ill-typed input. */
export interface OpContext {
  /** `<op name> (<op type>)`, for messages. */
  readonly label: string;
  has(name: string): boolean;
  tensor(name: string): MilTensor;
  /** Float data of a float tensor input. */
  floats(name: string): Float32Array;
  /** Variadic input (concat/stack `values`). */
  list(name: string): MilTensor[];
  ints(name: string, fallback?: number[]): number[];
  int(name: string, fallback?: number): number;
  float(name: string, fallback?: number): number;
  bools(name: string, fallback?: boolean[]): boolean[];
  bool(name: string, fallback?: boolean): boolean;
  str(name: string, fallback?: string): string;
  /** Declared output dtype (the op's output NamedValueType), for ops like cast and fp16 results. */
  outputDtype(i?: number): number;
  fail(message: string): never;
  /** Fails when an output of `shape` would exceed the evaluator's memory budget (corrupt parameters). */
  checkSize(shape: number[]): void;
}

export interface MilOpDef {
  required: readonly string[];
  optional?: readonly string[];
  /** Returns the op's outputs in declaration order. */
  run(c: OpContext): MilTensor | MilTensor[];
}
