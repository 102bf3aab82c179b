/**
 * Every top-level command's usage and one-line description, written once here
 * and spread into each command module (commands/<name>.ts). `a2m --help`,
 * "did you mean" and the command list read only this table, so they load no
 * command module (and so no TensorFlow, ONNX Runtime or converter).
 */
export interface CommandEntry { command: string; describe: string }

export const COMMANDS = {
  transcribe: { command: 'transcribe <audio..>', describe: 'transcribe piano recordings to MIDI (plus optional events CSV/JSON, raw model outputs and a piano-roll PNG)' },
  export: { command: 'export [model]', describe: 'write the model as SavedModel, TFLite, Core ML, ONNX and/or tfjs graph model (our own serializers, from the IR)' },
  verify: { command: 'verify <export>', describe: 'run every artifact of an export in its own runtime on the golden inputs and check it matches the canonical model (exit 1 on any failure)' },
  golden: { command: 'golden [model]', describe: 'write golden inputs, the canonical model\'s outputs on them and the notes they decode to (what `a2m verify` compares exports against)' },
  bundle: { command: 'bundle', describe: 'app-ready bundles for iOS, Android, web, TF Serving and Triton (a2m bundle --help; a2m bundle verify --help)' },
  convert: { command: 'convert <source>', describe: 'convert a model we did not train (a tfjs graph model, or a tfjs-layers model from model.save()) to SavedModel, TFLite, Core ML, ONNX and/or tfjs, through the IR' },
  inspect: { command: 'inspect [model]', describe: 'print the model\'s IR summary: ops by type, parameters, sizes, inputs/outputs, FLOPs per window' },
  train: { command: 'train', describe: 'train a model preset on a dataset folder (tfjs-node, native TensorFlow)' },
  validate: { command: 'validate <dataset..>', describe: 'score a model on dataset folders: note P/R/F1 (mir_eval-exact) per piece and mean, plus the seed\'s window metrics' },
  dataset: { command: 'dataset <command>', describe: 'render, check and describe datasets (<name>.<audio> + <name>.csv pairs)' },
  doctor: { command: 'doctor', describe: 'check every runtime and tool: OK with its version, or what is missing and how to fix it' },
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;
