/**
 * coreml-ref: an independent evaluator of Core ML ML Programs (.mlpackage).
 * Core ML has no runtime on Linux, so this reads the package from disk with the
 * MIL semantics (NCHW layouts, conv weight [Cout, Cin/groups, *K], linear weight
 * [out, in], ...) and runs it op by op on typed arrays. It is validated against
 * ONNX Runtime on Apple's own Basic Pitch package (test/converters/coreml).
 */
import type { Runtime, Session } from '../types.js';
import { readPackage } from '../../../converters/coreml/package.js';
import { loadPlan, type Plan } from './program.js';
import { runPlan, toHost, type RunOptions } from './run.js';
import type { HostTensor } from '../../ir/tensor.js';

export { loadPlan, runPlan, toHost };
export type { Plan, RunOptions };

/** Loads and checks a package; the plan can be run many times. */
export async function loadMlPackage(dir: string): Promise<Plan> {
  return loadPlan(await readPackage(dir));
}

const coremlRef: Runtime = {
  name: 'coreml-ref (audio-to-midi MIL evaluator)',
  format: 'coreml',
  async load(path: string): Promise<Session> {
    const plan = await loadMlPackage(path);
    return {
      async run(feeds: Record<string, HostTensor>) {
        const outs = runPlan(plan, feeds);
        const res: Record<string, HostTensor> = {};
        for (const name of plan.outputs) res[name] = toHost(outs[name]!);
        return res;
      },
      dispose() {},
    };
  },
};

export default coremlRef;
