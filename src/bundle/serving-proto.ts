/**
 * The serving configs' schemas (proto/*.proto: Triton's ModelConfig, TF
 * Serving's ModelServerConfig, BatchingParameters and PredictionLog) loaded
 * with protobufjs, keeping upstream's snake_case field names. Config files are
 * printed in protobuf text format from the schema (protobufjs ext/textformat),
 * so a field name, enum value or nesting the schema lacks is an error here
 * instead of a config the server refuses at load time.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import textformat from 'protobufjs/ext/textformat.js';
import { PROTO_DIR as TF_PROTO_DIR } from '../../converters/savedmodel/proto.js';
import { A2mError } from '../errors.js';

export const SERVING_PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proto');
const FILES = ['model_config.proto', 'tf_serving.proto'];

export type ServingMessage =
  | 'inference.ModelConfig'
  | 'tensorflow.serving.ModelServerConfig' | 'tensorflow.serving.BatchingParameters' | 'tensorflow.serving.PredictionLog';

let root: protobuf.Root | null = null;
export function servingRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    // tf_serving.proto imports TF's tensor.proto: it is the SavedModel converter's copy, not a second one.
    r.resolvePath = (_origin, target) => {
      if (target.startsWith('google/protobuf/') || path.isAbsolute(target)) return target;
      const base = path.basename(target);
      return path.join(FILES.includes(base) ? SERVING_PROTO_DIR : TF_PROTO_DIR, base);
    };
    r.loadSync(FILES.map((f) => path.join(SERVING_PROTO_DIR, f)), { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

const typeOf = (name: ServingMessage) => servingRoot().lookupType(name);

/**
 * protobufjs's fromObject drops keys the schema lacks; a misspelt field would
 * vanish from the config without a word, so every key is checked first.
 */
function checkKeys(t: protobuf.Type, obj: object, where: string): void {
  for (const [k, v] of Object.entries(obj)) {
    const f = t.fields[k];
    if (!f) throw new A2mError(`${where}.${k}: no such field in ${t.fullName.slice(1)} (${path.basename(t.filename ?? '')})`);
    f.resolve();
    if (!(f.resolvedType instanceof protobuf.Type) || v === undefined || v === null) continue;
    const items = f.map ? Object.values(v as object) : f.repeated ? (v as object[]) : [v as object];
    for (const [i, item] of items.entries()) checkKeys(f.resolvedType, item, `${where}.${k}${f.repeated || f.map ? `[${i}]` : ''}`);
  }
}

function message(name: ServingMessage, obj: object): protobuf.Message {
  const t = typeOf(name);
  checkKeys(t, obj, name.split('.').pop()!);
  const msg = t.fromObject(obj);
  const err = t.verify(msg);
  if (err) throw new A2mError(`${name}: ${err}`);
  return msg;
}

/** `obj` in protobuf text format (the form of config.pbtxt, models.config, batching_parameters.txt). */
export function toTextProto(name: ServingMessage, obj: object): string {
  return textformat.toText(typeOf(name), message(name, obj));
}

/** Text format back to a plain object (enums as names, int64 as numbers); a malformed text is an A2mError naming `what`. */
export function fromTextProto<T>(name: ServingMessage, text: string, what: string): T {
  const t = typeOf(name);
  let msg: protobuf.Message;
  try {
    msg = textformat.fromText(t, text);
  } catch (e) {
    throw new A2mError(`${what}: not a valid ${name} text proto (${(e as Error).message.split('\n')[0]})`);
  }
  return t.toObject(msg, { longs: Number, enums: String, defaults: false }) as T;
}

export function encodeServing(name: ServingMessage, obj: object): Uint8Array {
  return typeOf(name).encode(message(name, obj)).finish();
}

export function decodeServing<T>(name: ServingMessage, bytes: Uint8Array, what: string): T {
  const t = typeOf(name);
  try {
    return t.toObject(t.decode(bytes), { longs: Number, enums: String, defaults: false }) as T;
  } catch (e) {
    throw new A2mError(`${what}: not a valid ${name} protobuf (${(e as Error).message.split('\n')[0]})`);
  }
}
