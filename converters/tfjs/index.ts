/** The tfjs graph-model converter: IR -> model.json + group1-shardNofM.bin, written atomically as one directory. */
import { DEFAULT_NAMES } from '../index.js';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { PRECISIONS, type Converter } from '../types.js';
import { writeDirAtomic } from '../../src/util/atomic.js';
import { buildGraphModel } from './writer.js';

const tfjsConverter: Converter = {
  format: 'tfjs',
  defaultName: DEFAULT_NAMES.tfjs,
  precisions: PRECISIONS,
  // Signature keys are JSON object keys; tfjs's execute() takes them as given (Basic Pitch's own are "Identity_1:0").
  publicNames: { valid: /^[\s\S]+$/, rule: 'any non-empty string' },
  async write(graph, outPath, opts) {
    const { json, shards } = buildGraphModel(graph, { precision: opts.precision, metadata: opts.metadata, info: opts.info });
    await writeDirAtomic(outPath, async (dir) => {
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      for (const s of shards) await writeFile(path.join(dir, s.name), s.bytes);
    });
    return [path.join(outPath, 'model.json'), ...shards.map((s) => path.join(outPath, s.name))];
  },
};

export default tfjsConverter;
