/** Op counts per format for the convert tests; temp dirs and output comparison are in fixtures/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readTflite } from '../../converters/tflite/read.js';
import { readOnnx } from '../../converters/onnx/read.js';
import { readSavedModelSummary } from '../../converters/savedmodel/reader.js';
import { loadMlPackage } from '../../src/runtimes/coreml-ref/index.js';
import type { GraphModelJson } from '../../converters/tfjs/format.js';

/** Operator counts of an artifact, read by our own reader of each format. */
export async function opCountsOf(format: string, file: string): Promise<Record<string, number>> {
  switch (format) {
    case 'savedmodel': return (await readSavedModelSummary(file)).metaGraphs[0]!.opCounts;
    case 'tflite': return readTflite(new Uint8Array(readFileSync(file))).subgraphs[0]!.opCounts;
    case 'onnx': return (await readOnnx(file)).opTypes;
    case 'coreml': return (await loadMlPackage(file)).opCounts;
    case 'tfjs': {
      const json = JSON.parse(readFileSync(path.join(file, 'model.json'), 'utf8')) as GraphModelJson;
      const counts: Record<string, number> = {};
      for (const n of json.modelTopology.node) counts[n.op] = (counts[n.op] ?? 0) + 1;
      return counts;
    }
    default: throw new Error(`no op counter for ${format}`);
  }
}
