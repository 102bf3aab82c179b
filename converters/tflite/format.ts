/**
 * TFLite format facts in one place: identifiers, alignment, enum values, the
 * vtable slot of every field we touch, the builtin-options tables we write,
 * op versions and the minimum runtime per op version. Sources (see README.md):
 * tensorflow/compiler/mlir/lite/schema/schema.fbs (schema.fbs beside this file
 * is the subset), .../tools/versioning/op_version.cc and runtime_version.cc.
 * The writer, the reader and the tests all read these tables; nothing else in
 * this folder spells a field number or an enum value.
 */

export const FILE_IDENTIFIER = 'TFL3';
/** Model.version: schema version 3 (buffers live in Model.buffers). */
export const SCHEMA_VERSION = 3;
/** Buffer.data is `force_align: 16`; the writer aligns every data vector itself. */
export const BUFFER_ALIGNMENT = 16;
/** OperatorCode.deprecated_builtin_code is a byte: codes above hold this placeholder. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
/** Metadata entry TF writes: a 16-byte buffer holding the runtime version string, zero padded. */
export const MIN_RUNTIME_VERSION_NAME = 'min_runtime_version';
export const MIN_RUNTIME_VERSION_BYTES = 16;
export const DEFAULT_SIGNATURE_KEY = 'serving_default';
/** SignatureDef keys and tensor names are flatbuffer strings: the interpreter looks them up as given (Python, Kotlin, LiteRT.js). */
export const ANY_SIGNATURE_KEY = { valid: /^[\s\S]+$/, rule: 'any non-empty string' };

/** enum BuiltinOperator: index = code (TF 2.21 schema). */
export const BUILTIN_OPERATOR_NAMES = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN',
  'SUB', 'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN',
  'EXP', 'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU',
  'MAXIMUM', 'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT',
  'SLICE', 'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG',
  'SUM', 'SQRT', 'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK',
  'LOGICAL_OR', 'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY',
  'SQUARE', 'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU',
  'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND',
  'COS', 'WHERE', 'RANK', 'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND',
  'HARD_SWISH', 'IF', 'WHILE', 'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2',
  'DENSIFY', 'SEGMENT_SUM', 'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE',
  'BROADCAST_TO', 'RFFT2D', 'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND',
  'HASHTABLE_IMPORT', 'HASHTABLE_SIZE', 'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE',
  'ASSIGN_VARIABLE', 'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL',
  'GELU', 'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM', 'ATAN2', 'UNSORTED_SEGMENT_MIN', 'SIGN', 'BITCAST', 'BITWISE_XOR', 'RIGHT_SHIFT',
  'STABLEHLO_LOGISTIC', 'STABLEHLO_ADD', 'STABLEHLO_DIVIDE', 'STABLEHLO_MULTIPLY', 'STABLEHLO_MAXIMUM',
  'STABLEHLO_RESHAPE', 'STABLEHLO_CLAMP', 'STABLEHLO_CONCATENATE', 'STABLEHLO_BROADCAST_IN_DIM',
  'STABLEHLO_CONVOLUTION', 'STABLEHLO_SLICE', 'STABLEHLO_CUSTOM_CALL', 'STABLEHLO_REDUCE', 'STABLEHLO_ABS',
  'STABLEHLO_AND', 'STABLEHLO_COSINE', 'STABLEHLO_EXPONENTIAL', 'STABLEHLO_FLOOR', 'STABLEHLO_LOG',
  'STABLEHLO_MINIMUM', 'STABLEHLO_NEGATE', 'STABLEHLO_OR', 'STABLEHLO_POWER', 'STABLEHLO_REMAINDER',
  'STABLEHLO_RSQRT', 'STABLEHLO_SELECT', 'STABLEHLO_SUBTRACT', 'STABLEHLO_TANH', 'STABLEHLO_SCATTER',
  'STABLEHLO_COMPARE', 'STABLEHLO_CONVERT', 'STABLEHLO_DYNAMIC_SLICE', 'STABLEHLO_DYNAMIC_UPDATE_SLICE',
  'STABLEHLO_PAD', 'STABLEHLO_IOTA', 'STABLEHLO_DOT_GENERAL', 'STABLEHLO_REDUCE_WINDOW', 'STABLEHLO_SORT',
  'STABLEHLO_WHILE', 'STABLEHLO_GATHER', 'STABLEHLO_TRANSPOSE', 'DILATE', 'STABLEHLO_RNG_BIT_GENERATOR',
  'REDUCE_WINDOW', 'STABLEHLO_COMPOSITE', 'STABLEHLO_SHIFT_LEFT', 'STABLEHLO_CBRT', 'STABLEHLO_CASE',
] as const;
/** union BuiltinOptions: index = union type (0 = NONE). */
export const BUILTIN_OPTIONS_NAMES = [
  'NONE', 'Conv2DOptions', 'DepthwiseConv2DOptions', 'ConcatEmbeddingsOptions', 'LSHProjectionOptions',
  'Pool2DOptions', 'SVDFOptions', 'RNNOptions', 'FullyConnectedOptions', 'SoftmaxOptions',
  'ConcatenationOptions', 'AddOptions', 'L2NormOptions', 'LocalResponseNormalizationOptions', 'LSTMOptions',
  'ResizeBilinearOptions', 'CallOptions', 'ReshapeOptions', 'SkipGramOptions', 'SpaceToDepthOptions',
  'EmbeddingLookupSparseOptions', 'MulOptions', 'PadOptions', 'GatherOptions', 'BatchToSpaceNDOptions',
  'SpaceToBatchNDOptions', 'TransposeOptions', 'ReducerOptions', 'SubOptions', 'DivOptions', 'SqueezeOptions',
  'SequenceRNNOptions', 'StridedSliceOptions', 'ExpOptions', 'TopKV2Options', 'SplitOptions',
  'LogSoftmaxOptions', 'CastOptions', 'DequantizeOptions', 'MaximumMinimumOptions', 'ArgMaxOptions',
  'LessOptions', 'NegOptions', 'PadV2Options', 'GreaterOptions', 'GreaterEqualOptions', 'LessEqualOptions',
  'SelectOptions', 'SliceOptions', 'TransposeConvOptions', 'SparseToDenseOptions', 'TileOptions',
  'ExpandDimsOptions', 'EqualOptions', 'NotEqualOptions', 'ShapeOptions', 'PowOptions', 'ArgMinOptions',
  'FakeQuantOptions', 'PackOptions', 'LogicalOrOptions', 'OneHotOptions', 'LogicalAndOptions',
  'LogicalNotOptions', 'UnpackOptions', 'FloorDivOptions', 'SquareOptions', 'ZerosLikeOptions', 'FillOptions',
  'BidirectionalSequenceLSTMOptions', 'BidirectionalSequenceRNNOptions', 'UnidirectionalSequenceLSTMOptions',
  'FloorModOptions', 'RangeOptions', 'ResizeNearestNeighborOptions', 'LeakyReluOptions',
  'SquaredDifferenceOptions', 'MirrorPadOptions', 'AbsOptions', 'SplitVOptions', 'UniqueOptions',
  'ReverseV2Options', 'AddNOptions', 'GatherNdOptions', 'CosOptions', 'WhereOptions', 'RankOptions',
  'ReverseSequenceOptions', 'MatrixDiagOptions', 'QuantizeOptions', 'MatrixSetDiagOptions',
  'HardSwishOptions', 'IfOptions', 'WhileOptions', 'DepthToSpaceOptions', 'NonMaxSuppressionV4Options',
  'NonMaxSuppressionV5Options', 'ScatterNdOptions', 'SelectV2Options', 'DensifyOptions', 'SegmentSumOptions',
  'BatchMatMulOptions', 'CumsumOptions', 'CallOnceOptions', 'BroadcastToOptions', 'Rfft2dOptions',
  'Conv3DOptions', 'HashtableOptions', 'HashtableFindOptions', 'HashtableImportOptions',
  'HashtableSizeOptions', 'VarHandleOptions', 'ReadVariableOptions', 'AssignVariableOptions', 'RandomOptions',
  'BucketizeOptions', 'GeluOptions', 'DynamicUpdateSliceOptions', 'UnsortedSegmentProdOptions',
  'UnsortedSegmentMaxOptions', 'UnsortedSegmentMinOptions', 'UnsortedSegmentSumOptions', 'ATan2Options',
  'SignOptions', 'BitcastOptions', 'BitwiseXorOptions', 'RightShiftOptions',
] as const;
/** enum TensorType: index = value. */
export const TENSOR_TYPE_NAMES = [
  'FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8', 'FLOAT64',
  'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4', 'BFLOAT16', 'INT2', 'UINT4',
] as const;

export type BuiltinOpName = (typeof BUILTIN_OPERATOR_NAMES)[number];
export type OptionsName = (typeof BUILTIN_OPTIONS_NAMES)[number];
export type TensorTypeName = (typeof TENSOR_TYPE_NAMES)[number];

export function builtinCode(name: BuiltinOpName): number {
  return BUILTIN_OPERATOR_NAMES.indexOf(name);
}
export function tensorTypeCode(name: TensorTypeName): number {
  return TENSOR_TYPE_NAMES.indexOf(name);
}
/** Bytes per element of the tensor types we write or size-check (others: unknown). */
export const TENSOR_TYPE_BYTES: Partial<Record<TensorTypeName, number>> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT64: 8, BOOL: 1, INT16: 2, INT8: 1, FLOAT64: 8, UINT32: 4, UINT16: 2, UINT64: 8, BFLOAT16: 2,
};

/** Vtable slot of each field (slot i lives at vtable offset 4 + 2i); unions take two slots (type, value). */
export const SLOTS = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Buffer: { data: 0, offset: 1, size: 2 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5, custom_options_format: 6, mutating_variable_inputs: 7, intermediates: 8 },
  Metadata: { name: 0, buffer: 1 },
  TensorMap: { name: 0, tensor_index: 1 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, deprecated_tag: 3, subgraph_index: 4 },
} as const;

/** Enum values used in options. */
export const PADDING = { SAME: 0, VALID: 1 } as const;
export const MIRROR_PAD_MODE = { REFLECT: 0, SYMMETRIC: 1 } as const;
export const ACTIVATION = { NONE: 0 } as const;

// ---- builtin options tables: one spec drives both the writer and the reader ----
export type FieldKind = 'bool' | 'i8' | 'i32' | 'f32' | 'i32[]';
export interface FieldSpec { slot: number; kind: FieldKind; default?: number }
export type OptionValues = Record<string, number | boolean | number[]>;

/** The options tables we write (and decode when reading), by union member name. */
export const OPTIONS_TABLES = {
  Conv2DOptions: { padding: { slot: 0, kind: 'i8' }, stride_w: { slot: 1, kind: 'i32' }, stride_h: { slot: 2, kind: 'i32' }, fused_activation_function: { slot: 3, kind: 'i8' }, dilation_w_factor: { slot: 4, kind: 'i32', default: 1 }, dilation_h_factor: { slot: 5, kind: 'i32', default: 1 }, quantized_bias_type: { slot: 6, kind: 'i8' } },
  DepthwiseConv2DOptions: { padding: { slot: 0, kind: 'i8' }, stride_w: { slot: 1, kind: 'i32' }, stride_h: { slot: 2, kind: 'i32' }, depth_multiplier: { slot: 3, kind: 'i32' }, fused_activation_function: { slot: 4, kind: 'i8' }, dilation_w_factor: { slot: 5, kind: 'i32', default: 1 }, dilation_h_factor: { slot: 6, kind: 'i32', default: 1 } },
  FullyConnectedOptions: { fused_activation_function: { slot: 0, kind: 'i8' }, weights_format: { slot: 1, kind: 'i8' }, keep_num_dims: { slot: 2, kind: 'bool' }, asymmetric_quantize_inputs: { slot: 3, kind: 'bool' }, quantized_bias_type: { slot: 4, kind: 'i8' } },
  SoftmaxOptions: { beta: { slot: 0, kind: 'f32' } },
  ConcatenationOptions: { axis: { slot: 0, kind: 'i32' }, fused_activation_function: { slot: 1, kind: 'i8' } },
  AddOptions: { fused_activation_function: { slot: 0, kind: 'i8' }, pot_scale_int16: { slot: 1, kind: 'bool', default: 1 } },
  ReshapeOptions: { new_shape: { slot: 0, kind: 'i32[]' } },
  MulOptions: { fused_activation_function: { slot: 0, kind: 'i8' } },
  PadOptions: {},
  TransposeOptions: {},
  ReducerOptions: { keep_dims: { slot: 0, kind: 'bool' } },
  SubOptions: { fused_activation_function: { slot: 0, kind: 'i8' }, pot_scale_int16: { slot: 1, kind: 'bool', default: 1 } },
  DivOptions: { fused_activation_function: { slot: 0, kind: 'i8' } },
  DequantizeOptions: {},
  SliceOptions: {},
  ExpandDimsOptions: {},
  SquaredDifferenceOptions: {},
  BatchMatMulOptions: { adj_x: { slot: 0, kind: 'bool' }, adj_y: { slot: 1, kind: 'bool' }, asymmetric_quantize_inputs: { slot: 2, kind: 'bool' } },
  GeluOptions: { approximate: { slot: 0, kind: 'bool' } },
  PadV2Options: {},
  MirrorPadOptions: { mode: { slot: 0, kind: 'i8' } },
  EqualOptions: {},
  SelectV2Options: {},
  GatherOptions: { axis: { slot: 0, kind: 'i32' }, batch_dims: { slot: 1, kind: 'i32' } },
} as const satisfies Partial<Record<OptionsName, Record<string, FieldSpec>>>;
export type WrittenOptions = keyof typeof OPTIONS_TABLES;

export function optionsUnionType(name: OptionsName): number {
  return BUILTIN_OPTIONS_NAMES.indexOf(name);
}

/**
 * The builtin ops this converter emits: their options table (if any) and
 * version rule (op_version.cc, only the branches reachable with our tensor
 * types: float32 activations, float32/float16/int8 constants).
 */
export interface OpSignature {
  inputTypes: (TensorTypeName | null)[];
  inputRanks: number[];
  /** The op's weight input is int8 with one scale per output channel. */
  perChannel: boolean;
  options: OptionValues;
}
const hybrid = (s: OpSignature) => s.inputTypes[0] === 'FLOAT32' && s.inputTypes[1] === 'INT8';

export const EMITTED_OPS = {
  ADD: { options: 'AddOptions', version: () => 1 },
  SUB: { options: 'SubOptions', version: (s) => (s.inputRanks.some((r) => r > 4) ? 3 : 1) },
  MUL: { options: 'MulOptions', version: () => 1 },
  DIV: { options: 'DivOptions', version: (s) => (s.inputRanks.some((r) => r > 4) ? 2 : 1) },
  LOGISTIC: { options: null, version: () => 1 },
  GELU: { options: 'GeluOptions', version: () => 1 },
  SQRT: { options: null, version: () => 1 },
  RSQRT: { options: null, version: () => 1 },
  LOG: { options: null, version: () => 1 },
  TANH: { options: null, version: () => 1 },
  SQUARED_DIFFERENCE: { options: 'SquaredDifferenceOptions', version: () => 1 },
  MEAN: { options: 'ReducerOptions', version: () => 1 },
  SOFTMAX: { options: 'SoftmaxOptions', version: () => 1 },
  RESHAPE: { options: 'ReshapeOptions', version: () => 1 },
  TRANSPOSE: { options: 'TransposeOptions', version: (s) => (s.inputRanks[0]! > 5 ? 6 : s.inputRanks[0]! > 4 ? 4 : 1) },
  SLICE: { options: 'SliceOptions', version: (s) => (s.inputRanks[0]! > 4 ? 5 : 1) },
  CONCATENATION: { options: 'ConcatenationOptions', version: () => 1 },
  PAD: { options: 'PadOptions', version: (s) => (s.inputRanks[0]! > 4 ? 4 : 1) },
  DEQUANTIZE: { options: 'DequantizeOptions', version: (s) => (s.inputTypes[0] === 'FLOAT16' ? 3 : s.inputTypes[0] === 'INT8' ? (s.perChannel ? 5 : 2) : 1) },
  CONV_2D: { options: 'Conv2DOptions', version: (s) => (hybrid(s) ? (s.perChannel ? 5 : 2) : 1) },
  DEPTHWISE_CONV_2D: { options: 'DepthwiseConv2DOptions', version: (s) => (hybrid(s) ? (s.perChannel ? 6 : 4) : 1) },
  FULLY_CONNECTED: {
    options: 'FullyConnectedOptions',
    // Checked in op_version.cc's order: per-channel hybrid 12, no bias 6, keep_num_dims 5, hybrid 9/3.
    version: (s) => (hybrid(s) && s.perChannel ? 12 : s.inputTypes.length === 2 ? 6 : s.options.keep_num_dims ? 5
      : hybrid(s) ? (s.options.asymmetric_quantize_inputs ? 9 : 3) : 1),
  },
  BATCH_MATMUL: { options: 'BatchMatMulOptions', version: () => 1 },
  // float32 only: op_version.cc gives version 1 to these except PADV2 on rank > 4.
  RELU: { options: null, version: () => 1 },
  PADV2: { options: 'PadV2Options', version: (s) => (s.inputRanks[0]! > 4 ? 4 : 1) },
  MIRROR_PAD: { options: 'MirrorPadOptions', version: () => 1 },
  REDUCE_MIN: { options: 'ReducerOptions', version: () => 1 },
  REDUCE_MAX: { options: 'ReducerOptions', version: () => 1 },
  EQUAL: { options: 'EqualOptions', version: () => 1 },
  SELECT_V2: { options: 'SelectV2Options', version: () => 1 },
  // float32 params, int32 indices, batch_dims 0: version 1 (int8 / bool / int16 params and batch_dims raise it).
  GATHER: { options: 'GatherOptions', version: () => 1 },
} as const satisfies Partial<Record<BuiltinOpName, { options: WrittenOptions | null; version: (s: OpSignature) => number }>>;
export type EmittedOp = keyof typeof EMITTED_OPS;

/** runtime_version.cc: the first TFLite runtime that has each (op, version) we can emit. */
export const MIN_RUNTIME: Record<string, string> = {
  'ADD:1': '1.5.0', 'SUB:1': '1.6.0', 'SUB:3': '2.3.0', 'MUL:1': '1.5.0', 'DIV:1': '1.6.0', 'DIV:2': '2.3.0',
  'LOGISTIC:1': '1.14.0', 'GELU:1': '2.9.0', 'SQRT:1': '1.10.0', 'RSQRT:1': '1.10.0', 'LOG:1': '1.14.0', 'TANH:1': '1.14.0',
  'SQUARED_DIFFERENCE:1': '1.13.1', 'MEAN:1': '1.6.0', 'SOFTMAX:1': '1.5.0', 'RESHAPE:1': '1.5.0',
  'TRANSPOSE:1': '1.6.0', 'TRANSPOSE:4': '2.3.0', 'TRANSPOSE:6': '2.12.0', 'SLICE:1': '1.14.0', 'SLICE:5': '2.5.0',
  'CONCATENATION:1': '1.5.0', 'PAD:1': '1.5.0', 'PAD:4': '2.6.0',
  'DEQUANTIZE:1': '1.13.1', 'DEQUANTIZE:2': '1.14.0', 'DEQUANTIZE:3': '1.15.0', 'DEQUANTIZE:5': '2.7.0',
  'CONV_2D:1': '1.5.0', 'CONV_2D:2': '1.14.0', 'CONV_2D:5': '2.4.0',
  'DEPTHWISE_CONV_2D:1': '1.5.0', 'DEPTHWISE_CONV_2D:4': '2.2.0', 'DEPTHWISE_CONV_2D:6': '2.3.0',
  'FULLY_CONNECTED:1': '1.5.0', 'FULLY_CONNECTED:3': '1.14.0', 'FULLY_CONNECTED:5': '2.0.0', 'FULLY_CONNECTED:6': '2.1.0',
  'FULLY_CONNECTED:9': '2.3.0', 'FULLY_CONNECTED:12': '2.17.0',
  'BATCH_MATMUL:1': '2.3.0',
  'RELU:1': '1.5.0', 'PADV2:1': '1.9.0', 'PADV2:4': '2.6.0', 'MIRROR_PAD:1': '1.13.1',
  'REDUCE_MIN:1': '1.11.0', 'REDUCE_MAX:1': '1.11.0', 'EQUAL:1': '1.14.0', 'SELECT_V2:1': '2.2.0',
  'GATHER:1': '1.6.0',
};

/** Orders "2.13.0" > "2.9.0" numerically, as CompareRuntimeVersion does. */
export function compareRuntimeVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// int8's cut-off (TF's dynamic-range quantizer leaves weights under 1024 elements float) and
// [-127, 127] range are the IR precision plan's (src/ir/precision.ts: QUANT_MIN_ELEMENTS, INT8_QMAX).
