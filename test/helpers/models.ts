/**
 * Test models with every weight randomised (fresh inits leave ConvNeXt blocks
 * near-identity through the 1e-6 layer scale, which would hide errors).
 */
import { Model } from '../../src/model/model.js';
import { getPreset } from '../../src/model/config.js';
import { initValues } from '../../src/model/init.js';
import type { HostTensor } from '../../src/ir/tensor.js';

export async function randomizedModel(preset: string, seed = 1, std = 0.2): Promise<Model> {
  const base = Model.create(preset, seed);
  const w = await base.weights();
  base.dispose();
  const rnd = new Map<string, HostTensor>();
  for (const [name, t] of w) {
    const noise = initValues(`${name}#test`, t.data.length, { kind: 'normal', std }, seed);
    const fanScale = t.shape.length >= 2 ? 1 / Math.sqrt(t.shape.slice(0, -1).reduce((a, b) => a * b, 1)) : 1;
    rnd.set(name, { shape: t.shape, data: noise.map((v, i) => (t.shape.length >= 2 ? v * fanScale * 4 : v + (name.endsWith('gamma') ? 1 : 0)) + 0 * i) });
  }
  return Model.fromWeights(getPreset(preset), rnd);
}

/** A deterministic [1, 2, 80000] input: two detuned tones plus noise, like music at unit RMS. */
export function testInput(seed = 3, batch = 1): HostTensor {
  const n = 80000, data = new Float32Array(batch * 2 * n);
  const noise = initValues(`input#${seed}`, data.length, { kind: 'normal', std: 0.05 }, seed);
  for (let b = 0; b < batch; b++) for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) {
    const t = i / 16000;
    data[(b * 2 + c) * n + i] = 0.5 * Math.sin(2 * Math.PI * (220 + 30 * c + 10 * b) * t) + 0.3 * Math.sin(2 * Math.PI * 523.25 * t * (1 + 0.01 * Math.sin(t))) + noise[(b * 2 + c) * n + i]!;
  }
  return { shape: [batch, 2, n], data };
}
