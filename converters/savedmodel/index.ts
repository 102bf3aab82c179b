/** The TF SavedModel converter (see README.md for the format facts it relies on). */
import { DEFAULT_NAMES } from '../index.js';
import { PRECISIONS, type Converter } from '../types.js';
import { writeSavedModel } from './export.js';

const savedModelConverter: Converter = {
  format: 'savedmodel',
  defaultName: DEFAULT_NAMES.savedmodel,
  precisions: PRECISIONS,
  // SignatureDef keys are map keys, not node names (those are sanitised apart): TF 2 loads and calls a
  // signature keyed "input_2:0" (measured with TF 2.21: tf.saved_model.load, then f(**{'input_2:0': x})).
  publicNames: { valid: /^[\s\S]+$/, rule: 'any non-empty string' },
  write: (graph, outPath, opts) => writeSavedModel(graph, outPath, opts),
};

export default savedModelConverter;
export { buildSavedModel, writeSavedModel, validateForSavedModel } from './export.js';
export { readBundle, decodeBundle, encodeBundle } from './bundle.js';
export { readSavedModelSummary, summarizeSavedModel } from './reader.js';
