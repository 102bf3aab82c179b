/**
 * Format facts of TF SavedModel and TensorBundle, in one place (README.md
 * lists where each comes from). Everything else in this folder refers here.
 */

/** tensorflow/core/framework/types.proto DataType values we use. */
export const DT = {
  INVALID: 0,
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  STRING: 7,
  INT64: 9,
  BOOL: 10,
  BFLOAT16: 14,
  UINT16: 17,
  HALF: 19,
  RESOURCE: 20,
  VARIANT: 21,
  UINT32: 22,
  UINT64: 23,
} as const;
export type DataType = (typeof DT)[keyof typeof DT];

/** Bytes per element of the fixed-size dtypes a bundle may hold (memcpy-able in TF). */
export const DTYPE_BYTES: Partial<Record<number, number>> = {
  [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT32]: 4, [DT.UINT8]: 1, [DT.INT16]: 2, [DT.INT8]: 1,
  [DT.INT64]: 8, [DT.BOOL]: 1, [DT.BFLOAT16]: 2, [DT.UINT16]: 2, [DT.HALF]: 2, [DT.UINT32]: 4, [DT.UINT64]: 8,
};

export function dtypeName(dt: number): string {
  const e = Object.entries(DT).find(([, v]) => v === dt);
  return e ? `DT_${e[0]}` : `DataType(${dt})`;
}

// ---- SavedModel layout ------------------------------------------------------
export const SAVED_MODEL_FILE = 'saved_model.pb';
/** The checkpoint prefix inside the export dir: variables/variables{.index,.data-00000-of-00001}. */
export const VARIABLES_PREFIX = 'variables/variables';
export const SAVED_MODEL_SCHEMA_VERSION = 1;
export const SERVE_TAG = 'serve';
export const DEFAULT_SIGNATURE = 'serving_default';
/** TF Serving's Predict API accepts only this method name. */
export const PREDICT_METHOD = 'tensorflow/serving/predict';
/** SaverDef.CheckpointFormatVersion.V2 (TensorBundle). */
export const SAVER_V2 = 2;
/**
 * GraphDef producer version: that of TF 2.4 (the version Basic Pitch's
 * SavedModel was written with). Every op we emit exists there, and with default
 * attrs stripped, older TF builds (TF Serving) accept the graph too.
 */
export const GRAPH_PRODUCER = 561;
export const GRAPH_MIN_CONSUMER = 0;

// ---- TensorBundle (tensorflow/core/util/tensor_bundle/tensor_bundle.cc) -----
export const bundleIndexPath = (prefix: string) => `${prefix}.index`;
/** naming.cc DataFilename(prefix, shard 0, of 1). */
export const bundleDataPath = (prefix: string) => `${prefix}.data-00000-of-00001`;
/** kTensorBundleVersion: header.version.producer. */
export const BUNDLE_VERSION = 1;
/** The BundleHeaderProto lives under the empty key (sorts first). */
export const BUNDLE_HEADER_KEY = '';

// ---- LevelDB table (xla/tsl/lib/io: table_builder.cc, block_builder.cc, format.cc)
/** table_options.h block_size: a data block is flushed once its estimate reaches this. */
export const TABLE_BLOCK_SIZE = 262144;
/** table_options.h block_restart_interval for data blocks; the index block uses 1. */
export const TABLE_RESTART_INTERVAL = 16;
export const INDEX_RESTART_INTERVAL = 1;
/** Block trailer: 1 type byte (0 = no compression) + fixed32 masked crc32c of block‖type. */
export const BLOCK_TRAILER_SIZE = 5;
export const NO_COMPRESSION = 0;
export const SNAPPY_COMPRESSION = 1;
/** Footer: two BlockHandles (varint64 offset, size) zero-padded to 40 bytes, then the magic. */
export const BLOCK_HANDLE_MAX_LEN = 20;
export const FOOTER_SIZE = 2 * BLOCK_HANDLE_MAX_LEN + 8;
/** kTableMagicNumber 0xdb4775248b80fb57, written as fixed64 little-endian. */
export const TABLE_MAGIC = Uint8Array.of(0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb);
