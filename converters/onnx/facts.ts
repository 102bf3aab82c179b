/**
 * ONNX format facts the writer and reader rely on, in one place (see README.md for sources).
 * Field numbers live in onnx.proto beside this file; this file holds the numbers that are
 * VALUES inside those fields (data types, attribute types, versions, alignment).
 */

/** Default opset and the IR version that introduced it (onnx/docs/Versioning.md table). */
export const DEFAULT_OPSET = 17;
/** Opsets this writer can target -> the IR version to write with each. */
export const IR_VERSION_FOR_OPSET = { 17: 8, 20: 9 } as const;
export type Opset = keyof typeof IR_VERSION_FOR_OPSET;
export const SUPPORTED_OPSETS = Object.keys(IR_VERSION_FOR_OPSET).map(Number) as Opset[];

/** Highest IR version the reader accepts (IR 10 / 11 are current upstream; leave headroom). */
export const MAX_KNOWN_IR_VERSION = 12;

export const PRODUCER_NAME = 'audio-to-midi';

/**
 * The symbolic dim_param of a batch-polymorphic graph's dim 0 (TensorShapeProto.Dimension):
 * runtimes bind every dim with the same name to one size, so inputs and outputs share it.
 */
export const BATCH_DIM_PARAM = 'batch';

/** TensorProto.DataType values (onnx.proto enum). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
} as const;
export type DataTypeName = keyof typeof DataType;

/** Bits per element of each fixed-width data type (raw_data is packed little-endian at this width). */
export const BITS_PER_ELEMENT: Partial<Record<number, number>> = {
  [DataType.FLOAT]: 32, [DataType.UINT8]: 8, [DataType.INT8]: 8, [DataType.UINT16]: 16, [DataType.INT16]: 16,
  [DataType.INT32]: 32, [DataType.INT64]: 64, [DataType.BOOL]: 8, [DataType.FLOAT16]: 16, [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32, [DataType.UINT64]: 64, [DataType.COMPLEX64]: 64, [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16, [DataType.FLOAT8E4M3FN]: 8, [DataType.FLOAT8E4M3FNUZ]: 8, [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8, [DataType.UINT4]: 4, [DataType.INT4]: 4,
};

export function dataTypeName(code: number): string {
  const e = Object.entries(DataType).find(([, v]) => v === code);
  return e ? e[0] : `unknown(${code})`;
}

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataLocation values. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** External data: offsets SHOULD be multiples of the page size so runtimes can mmap them. */
export const EXTERNAL_DATA_ALIGNMENT = 4096;
/** A protobuf message cannot exceed 2 GiB - 1; above this the weights must go to an external file. */
export const PROTOBUF_MAX_BYTES = 2 ** 31 - 1;
/**
 * Default total initializer size beyond which the writer switches to external data:
 * the 2 GiB limit less headroom for the graph itself (nodes, names, attributes).
 */
export const DEFAULT_EXTERNAL_THRESHOLD_BYTES = PROTOBUF_MAX_BYTES - 64 * 2 ** 20;
/** With external data on, tensors smaller than this stay inline (shape vectors, scalars), as onnx's own saver does (size_threshold=1024). */
export const EXTERNAL_MIN_TENSOR_BYTES = 1024;
