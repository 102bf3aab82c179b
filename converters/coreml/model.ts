/**
 * Assembles the Core ML Model message around a MIL block:
 *   Model{specificationVersion, description{input, output, metadata}, mlProgram{version 1, functions{main}}}
 * Inputs/outputs are FLOAT32 multiArrays, static or (a dynamic-batch graph)
 * with an enumerated batch; the feature names are the MIL function input and
 * block output names.
 */
import { ARRAY_DTYPE, ENUMERATED_BATCHES, IOS_TARGETS, MAIN_FUNCTION, MIL_DTYPE, MIL_PROGRAM_VERSION, type IosTarget } from './format.js';
import { tensorType, type TypeSpec } from './mil-builder.js';
import type { ArrayFeatureType, CoreMLModel, FeatureDescription, Metadata, Operation } from './schema.js';

/** Descriptions Xcode shows for our model's features; other names get none. */
const FEATURE_DOCS: Record<string, string> = {
  samples: 'Raw audio, 16 kHz, channels first [batch, 2, 80000] (5 s windows, RMS-normalised file-wide)',
  logits: 'Frame activity logits [batch, 250, 90]: 50 frames/s, index k = MIDI note k+21',
  probs: 'Frame activity probabilities (sigmoid of logits) [batch, 250, 90]',
  onset_logits: 'Onset logits [batch, 250, 90]',
  onset_probs: 'Onset probabilities [batch, 250, 90]',
  velocity: 'Note velocity 0..1 [batch, 250, 90]',
  offset_logits: 'Offset logits [batch, 250, 90]',
  offset_probs: 'Offset probabilities [batch, 250, 90]: a sounding note ends in this frame',
};

const ARRAY_OF: Record<number, number> = { [MIL_DTYPE.FLOAT32]: ARRAY_DTYPE.FLOAT32, [MIL_DTYPE.FLOAT16]: ARRAY_DTYPE.FLOAT16, [MIL_DTYPE.INT32]: ARRAY_DTYPE.INT32 };

/**
 * A multiArray feature. A -1 dim (the free batch, leading) makes an input
 * flexible: its default shape at batch 1 plus enumeratedShapes, one per
 * ENUMERATED_BATCHES size, default first (format.ts says why enumerated); an
 * output with a -1 dim declares no shape, as coremltools leaves a symbolic
 * output's shape out (the program's types say what it is).
 */
function feature(name: string, t: TypeSpec, role: 'input' | 'output'): FeatureDescription {
  const dataType = ARRAY_OF[t.dtype];
  if (dataType === undefined) throw new Error(`feature ${name}: no multiArray data type for MIL dtype ${t.dtype}`);
  const free = t.shape.flatMap((d, k) => (d === -1 ? [k] : []));
  if (free.length && (free.length > 1 || free[0] !== 0)) throw new Error(`feature ${name}: shape [${t.shape}] has a free dim other than the batch (dim 0)`);
  let multiArrayType: ArrayFeatureType = { shape: t.shape, dataType };
  if (free.length && role === 'output') multiArrayType = { dataType };
  if (free.length && role === 'input') {
    const at = (b: number) => [b, ...t.shape.slice(1)];
    multiArrayType = { shape: at(ENUMERATED_BATCHES[0]!), dataType, enumeratedShapes: { shapes: ENUMERATED_BATCHES.map((b) => ({ shape: at(b) })) } };
  }
  const f: FeatureDescription = { name, type: { multiArrayType } };
  if (FEATURE_DOCS[name]) f.shortDescription = FEATURE_DOCS[name];
  return f;
}

export interface ProgramParts {
  ios: IosTarget;
  inputs: { name: string; type: TypeSpec }[];
  outputs: { name: string; type: TypeSpec }[];
  ops: Operation[];
  metadata: Metadata;
}

export function assembleModel(p: ProgramParts): CoreMLModel {
  const { specVersion, opset } = IOS_TARGETS[p.ios];
  return {
    specificationVersion: specVersion,
    description: {
      input: p.inputs.map((i) => feature(i.name, i.type, 'input')),
      output: p.outputs.map((o) => feature(o.name, o.type, 'output')),
      metadata: p.metadata,
    },
    mlProgram: {
      version: MIL_PROGRAM_VERSION,
      functions: {
        [MAIN_FUNCTION]: {
          inputs: p.inputs.map((i) => ({ name: i.name, type: tensorType(i.type.dtype, i.type.shape) })),
          opset,
          block_specializations: { [opset]: { outputs: p.outputs.map((o) => o.name), operations: p.ops } },
        },
      },
    },
  };
}
