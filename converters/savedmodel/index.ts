/** The TF SavedModel converter (see README.md for the format facts it relies on). */
import { PRECISIONS, type Converter } from '../types.js';
import { writeSavedModel } from './export.js';

const savedModelConverter: Converter = {
  format: 'savedmodel',
  defaultName: 'savedmodel',
  precisions: PRECISIONS,
  write: (graph, outPath, opts) => writeSavedModel(graph, outPath, opts),
};

export default savedModelConverter;
export { buildSavedModel, writeSavedModel, validateForSavedModel } from './export.js';
export { readBundle, decodeBundle, encodeBundle } from './bundle.js';
export { readSavedModelSummary, summarizeSavedModel } from './reader.js';
