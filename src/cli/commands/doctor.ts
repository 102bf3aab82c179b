import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { venvPython } from '../../util/paths.js';

interface Check { name: string; run: () => Promise<string>; fix: string }

/** Each runtime and tool the toolchain uses: OK with its version, or what is missing and how to fix it. */
const CHECKS: Check[] = [
  { name: 'tfjs-node (native TensorFlow)', fix: 'npm install (builds the binding against .venv\'s tensorflow-cpu)', run: async () => (await import('../../util/backend.js')).backendSummary() },
  { name: 'ONNX Runtime', fix: 'npm install onnxruntime-node', run: async () => (await import('../../runtimes/onnxruntime.js')).default.name },
  { name: 'LiteRT', fix: 'npm install @litertjs/core', run: async () => { const r = (await import('../../runtimes/litert.js')); await r.loadLiteRtModule(); return r.default.name; } },
  { name: 'TF SavedModel runtime', fix: 'npm install', run: async () => (await import('../../runtimes/tf-savedmodel.js')).default.name },
  { name: 'Core ML evaluator', fix: 'part of this package', run: async () => (await import('../../runtimes/coreml-ref/index.js')).default.name },
  { name: 'ffmpeg', fix: 'apt-get install ffmpeg, or npm install @ffmpeg-installer/ffmpeg, or set A2M_FFMPEG', run: async () => {
    const { ffmpegChoice } = await import('../../audio/ffmpeg.js');
    const { bin, source } = ffmpegChoice();
    const version = (await execa(bin, ['-version'])).stdout.split('\n')[0]!.replace(/\s+Copyright.*$/, '').trim();
    return `${version} (${bin}, from ${source === 'PATH' ? 'PATH' : source === 'A2M_FFMPEG' ? '$A2M_FFMPEG' : `npm ${source}`})`;
  } },
  { name: 'ffprobe (dataset check/stats)', fix: 'apt-get install ffmpeg (ffprobe comes with it; transcription does not need it)', run: async () => {
    const { ffprobeBin } = await import('../../audio/probe.js');
    const bin = ffprobeBin();
    return `${(await execa(bin, ['-version'])).stdout.split('\n')[0]!.replace(/\s+Copyright.*$/, '').trim()} (${bin})`;
  } },
  { name: 'fluidsynth', fix: 'apt-get install fluidsynth fluid-soundfont-gm timgm6mb-soundfont', run: async () => {
    const v = (await execa('fluidsynth', ['--version'])).stdout.split('\n')[0]!;
    const sf = ['/usr/share/sounds/sf2/FluidR3_GM.sf2', '/usr/share/sounds/sf2/TimGM6mb.sf2'].filter((f) => !existsSync(f));
    if (sf.length) throw new Error(`SoundFont missing: ${sf.join(', ')}`);
    return v;
  } },
  { name: 'Python oracles (.venv)', fix: 'npm install (creates .venv with tensorflow-cpu onnx onnxruntime mir_eval numpy)', run: async () => {
    const r = await execa(venvPython, ['-c', 'import tensorflow as t, onnx, onnxruntime as o, mir_eval, numpy as n; print(f"tensorflow {t.__version__}, onnx {onnx.__version__}, onnxruntime {o.__version__}, mir_eval {mir_eval.__version__}, numpy {n.__version__}")'], { env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
    return r.stdout.trim().split('\n').pop()!;
  } },
  { name: 'chromium (web bundle test)', fix: 'apt-get install chromium', run: async () => (await execa('chromium', ['--version'])).stdout.trim() },
];

const command: CommandModule = {
  ...COMMANDS.doctor,
  builder: (y) => y.example('a2m doctor', 'after npm install, everything should say OK'),
  handler: async () => {
    let failed = 0;
    for (const c of CHECKS) {
      try {
        const v = await c.run();
        process.stdout.write(`OK       ${c.name.padEnd(32)} ${v}\n`);
      } catch (e) {
        failed++;
        process.stdout.write(`MISSING  ${c.name.padEnd(32)} ${(e as Error).message.split('\n')[0]}\n         fix: ${c.fix}\n`);
      }
    }
    if (failed) { process.stdout.write(`${failed} problem(s)\n`); process.exitCode = 1; } else process.stdout.write('all OK\n');
  },
};
export default command;
