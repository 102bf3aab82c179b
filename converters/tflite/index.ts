/** The TFLite converter: IR graph -> one `.tflite` flatbuffer, written atomically. */
import { DEFAULT_NAMES } from '../index.js';
import { PRECISIONS, type Converter, type ExportOptions } from '../types.js';
import { ANY_SIGNATURE_KEY } from './format.js';
import type { IrGraph } from '../../src/ir/graph.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { graphToTflite } from './convert.js';

export { graphToTflite, graphToTflModel, findProblems, PROVENANCE_METADATA, type TfliteExportOptions } from './convert.js';
export { readTflite, readTfliteFile, type TfliteSummary } from './read.js';

const tflite: Converter = {
  format: 'tflite',
  defaultName: DEFAULT_NAMES.tflite,
  precisions: PRECISIONS,
  publicNames: ANY_SIGNATURE_KEY,
  async write(graph: IrGraph, outPath: string, opts: ExportOptions): Promise<string[]> {
    const { bytes } = graphToTflite(graph, { precision: opts.precision, metadata: opts.metadata, info: opts.info, extraMetadata: opts.tflite?.extraMetadata, associatedFiles: opts.tflite?.associatedFiles });
    await writeFileAtomic(outPath, bytes);
    return [outPath];
  },
};

export default tflite;
