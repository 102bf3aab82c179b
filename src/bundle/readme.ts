/**
 * The bundle's READMEs: one at the root (what is where, how to check it) and
 * one per target with a short usage snippet in the platform's language
 * (Swift, Kotlin, JavaScript, TF Serving and Triton REST). Numbers come from the
 * contract (Audio2Midi.json), names from the artifact table.
 */
import type { AppContract } from './contract.js';
import { CONTRACT_FILE } from './contract.js';
import type { Artifact, BundleNames, Target } from './targets.js';
import { BATCH_TIMEOUT_MICROS, SERVING_MAX_BATCH } from './batching.js';
import { BATCHING_FILE, MODELS_CONFIG_FILE, MODEL_PLATFORM, WARMUP_FILE, containerBasePath } from './tf-serving.js';
import { TRITON_BACKENDS, TRITON_CONFIG_FILE, TRITON_VERSION, tritonModelName, type TritonFormat } from './triton.js';

interface ReadmeInputs { contract: AppContract; names: BundleNames; artifacts: Artifact[] }

const outputNames = (c: AppContract) => c.outputs.map((o) => `\`${o.name}\` [${o.shape}]`).join(', ');

/** The pipeline every target shares, in a few lines. */
function pipeline(c: AppContract): string {
  const th = c.decoding.thresholds;
  return [
    '## Running it like `a2m transcribe`',
    '',
    `1. Decode to ${c.input.sampleRate} Hz, ${c.input.channels} channels (${c.input.channelRule}).`,
    `2. Normalise the whole file: ${c.normalization.rule}.`,
    `3. Cut ${c.windowing.windowSeconds} s windows overlapping by ${c.windowing.overlapSeconds} s (${c.windowing.rule}); input \`${c.input.name}\` [${c.input.shape}] float32, ${c.input.layout}.`,
    `4. Run the model: ${outputNames(c)} at ${c.frames.rate} frames/s; ${c.keys.rule}.`,
    `5. Stitch the windows: ${c.stitching.rule}.`,
    `6. Decode notes (${c.decoding.rule} rule, thresholds in \`${CONTRACT_FILE}\`: activate ${th.activate}, release ${th.release}, onset ${th.onset}, min ${th.minNoteFrames} frames): ${c.decoding.description}.`,
    '',
    `\`${CONTRACT_FILE}\` holds all of this as data. \`../golden/\` has test vectors for your app: input windows (\`inputs/*.f32\`, raw little-endian float32 [${c.input.shape}]; a batched case such as \`batch-3\` stacks several windows, [3, ${c.input.shape.slice(1)}], with the model's outputs at that batch), the canonical outputs and the notes they decode to (shapes and checksums in \`../golden/manifest.json\`).`,
  ].join('\n');
}

const SNIPPETS: Record<Target, (r: ReadmeInputs) => string> = {
  ios: ({ contract: c, names: n, artifacts }) => {
    const pkg = artifacts.find((a) => a.target === 'ios')!;
    return [
      `# ${n.className} for iOS / macOS (Core ML)`,
      '',
      `\`${pkg.path.split('/').pop()}\`: ${pkg.role}, ${pkg.precision} (input and outputs are float32).`,
      'Add it to the Xcode target: Xcode generates the class below from the package name.',
      '',
      '```swift',
      'import CoreML',
      '',
      `let model = try ${n.className}(configuration: MLModelConfiguration())`,
      `// One window: [${c.input.shape}] float32, channels first (0 = left, 1 = right), already normalised.`,
      `let x = try MLMultiArray(shape: [${c.input.shape.join(', ')}], dataType: .float32)`,
      'let p = x.dataPointer.bindMemory(to: Float.self, capacity: x.count)',
      `for i in 0..<${c.windowing.windowSamples} { p[i] = left[i]; p[${c.windowing.windowSamples} + i] = right[i] }`,
      `let out = try model.prediction(${c.input.name}: x)`,
      `let probs = out.probs  // [${c.outputs.find((o) => o.name === 'probs')?.shape}]: frame t, key k = MIDI k + ${c.keys.midiOffset}`,
      '```',
    ].join('\n');
  },
  android: ({ contract: c, names: n }) => [
    `# ${n.name} for Android (TFLite / LiteRT)`,
    '',
    `\`${n.name}.tflite\` carries TFLite Metadata (\`TFLITE_METADATA\`: name, version, license, tensor descriptions, audio ${c.input.sampleRate} Hz × ${c.input.channels}); Android Studio shows it when you import the model.`,
    '',
    '```kotlin',
    'import org.tensorflow.lite.Interpreter',
    'import org.tensorflow.lite.support.common.FileUtil',
    '',
    `val interpreter = Interpreter(FileUtil.loadMappedFile(context, "${n.name}.tflite"))`,
    `// One window [${c.input.shape}], channels first (0 = left, 1 = right), already normalised.`,
    `val samples = Array(1) { Array(${c.input.channels}) { FloatArray(${c.windowing.windowSamples}) } }`,
    ...c.outputs.map((o) => `val ${camel(o.name)} = Array(${o.shape[0]}) { Array(${o.shape[1]}) { FloatArray(${o.shape[2]}) } }`),
    `interpreter.runSignature(mapOf("${c.input.name}" to samples), mapOf(${c.outputs.map((o) => `"${o.name}" to ${camel(o.name)}`).join(', ')}), "serving_default")`,
    `// probs[0][t][k]: frame t (${c.frames.rate}/s), key k = MIDI k + ${c.keys.midiOffset}`,
    '```',
  ].join('\n'),
  web: ({ contract: c, names: n }) => [
    `# ${c.name} for the web`,
    '',
    `- \`audio-to-midi-web.js\`: an ES module (types in \`audio-to-midi-web.d.ts\`, \`package.json\` names it \`${n.name}-web\`). It runs the whole pipeline of \`a2m transcribe\` in the browser: Web Audio decoding and resampling, level normalisation, 5 s windows, the TensorFlow.js model, stitching, and the tuned note decoding of \`Audio2Midi.json\`. tfjs is a peer dependency: pass your own \`@tensorflow/tfjs\` (version 4).`,
    '',
    '```js',
    "import * as tf from '@tensorflow/tfjs';",
    `import { createTranscriber } from './audio-to-midi-web.js'; // or '${n.name}-web' after \`npm install ./web\``,
    '',
    "// Serve this folder; model/ and Audio2Midi.json are read beside the module (or pass { baseUrl }).",
    'const transcriber = await createTranscriber({ tf });',
    "const file = document.querySelector('input[type=file]').files[0]; // or an ArrayBuffer, or { channels: [Float32Array], sampleRate }",
    'const { notes, midi } = await transcriber.transcribe(file, { onProgress: (done, total) => console.log(`${done}/${total}`) });',
    "for (const n of notes) console.log(n.pitch, n.onset.toFixed(2), n.offset.toFixed(2), Math.round(n.velocity * 127));",
    "// midi: a standard MIDI file (Uint8Array): new Blob([midi], { type: 'audio/midi' })",
    '```',
    '',
    '- `index.html`, `app.js`, `style.css`, `tf.min.js`, `tf-backend-wasm.min.js` + `*.wasm`: a static demo page built on that module. Serve this folder (e.g. `python3 -m http.server` inside it) and open it: drop an audio file, see the piano roll, download the MIDI. `?backend=webgl|wasm|cpu` picks the tfjs backend (default: the first that works).',
    '- Decoding is the browser\'s (Web Audio). Chromium turns 16-bit PCM into float with 1/32767 for positive samples where ffmpeg (`a2m transcribe`) uses 1/32768, so the level and outputs can differ from `a2m transcribe` by about 3e-5 relative on the same file.',
    '- `model/`: TensorFlow.js graph model (`tf.loadGraphModel("model/model.json")`).',
    '- `model.onnx`: the same model for onnxruntime-web (raw model outputs; the notes decoding is the module\'s):',
    '',
    '```js',
    "import * as ort from 'onnxruntime-web';",
    "const session = await ort.InferenceSession.create('model.onnx');",
    `// data: Float32Array(${c.input.shape.reduce((a, b) => a * b, 1)}) = left window then right window, normalised`,
    `const out = await session.run({ ${c.input.name}: new ort.Tensor('float32', data, [${c.input.shape}]) });`,
    `const probs = out.probs.data; // [${c.outputs.find((o) => o.name === 'probs')?.shape}]`,
    '```',
  ].join('\n'),
  server: ({ contract: c, names: n }) => [
    `# ${n.name} for TF Serving`,
    '',
    `\`${n.name}/1/\` is version 1 of the model base path \`${n.name}/\` (saved_model.pb + variables/), signature \`serving_default\`.`,
    `- \`${MODELS_CONFIG_FILE}\`: the model server config (\`--model_config_file\`): model \`${n.name}\`, base path \`${containerBasePath(n.name)}\` (this folder mounted at \`/models\`), platform \`${MODEL_PLATFORM}\`.`,
    `- \`${BATCHING_FILE}\`: server-side batching (\`--enable_batching --batching_parameters_file\`): max_batch_size is what the SavedModel's input accepts (1 while it is fixed at batch 1, ${SERVING_MAX_BATCH} once it takes any batch), batch timeout ${BATCH_TIMEOUT_MICROS} µs.`,
    `- \`${n.name}/1/${WARMUP_FILE}\`: one Predict request (a golden window, \`../golden/\`) as a TFRecord of PredictionLog; TF Serving replays it when it loads the model, so the first client request does not pay for graph setup.`,
    '',
    '```sh',
    `docker run -p 8500:8500 -p 8501:8501 -v "$PWD:/models" tensorflow/serving --model_config_file=/models/${MODELS_CONFIG_FILE} --enable_batching --batching_parameters_file=/models/${BATCHING_FILE}`,
    `# or one model, no batching: docker run -p 8501:8501 -v "$PWD/${n.name}:/models/${n.name}" -e MODEL_NAME=${n.name} tensorflow/serving`,
    `curl -s localhost:8501/v1/models/${n.name}:predict -d '{"signature_name": "serving_default", "inputs": {"${c.input.name}": [[[/* ${c.windowing.windowSamples} left */], [/* ${c.windowing.windowSamples} right */]]]}}'`,
    '```',
    '',
    `The response holds ${outputNames(c)}.`,
  ].join('\n'),
  triton: ({ contract: c, names: n }) => {
    const models = (Object.keys(TRITON_BACKENDS) as TritonFormat[]).map((f) => ({ f, model: tritonModelName(n.name, f), ...TRITON_BACKENDS[f] }));
    return [
      `# ${n.name} for Triton Inference Server`,
      '',
      'This folder is a Triton model repository with the same model for two backends:',
      '',
      ...models.map((m) => `- \`${m.model}/\`: \`${TRITON_CONFIG_FILE}\` (platform \`${m.platform}\`) and \`${TRITON_VERSION}/${m.modelFile}\`.`),
      '',
      `Each \`${TRITON_CONFIG_FILE}\` names the input \`${c.input.name}\` and the outputs ${c.outputs.map((o) => `\`${o.name}\``).join(', ')} (TYPE_FP32) with the dims read from the model file. \`max_batch_size\` follows what the file accepts: 0 (absent from the text) while the model is fixed at batch ${c.input.shape[0]}, so \`dims\` are the whole shape; ${SERVING_MAX_BATCH} once it takes any batch, with \`dynamic_batching\` on (queue delay ${BATCH_TIMEOUT_MICROS} µs) and \`dims\` without the batch dimension. Either way a request for one window has shape [${c.input.shape}].`,
      '',
      '```sh',
      'docker run --rm -p 8000:8000 -p 8001:8001 -v "$PWD:/models" nvcr.io/nvidia/tritonserver:<yy.mm>-py3 tritonserver --model-repository=/models',
      `curl -s localhost:8000/v2/models/${models[0]!.model}/infer -d '{"inputs": [{"name": "${c.input.name}", "datatype": "FP32", "shape": [${c.input.shape}], "data": [/* ${c.windowing.windowSamples} left, then ${c.windowing.windowSamples} right */]}]}'`,
      '```',
      '',
      `The response holds ${outputNames(c)}; \`${models[1]!.model}\` answers the same request through TensorFlow.`,
    ].join('\n');
  },
};

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

export function targetReadme(target: Target, r: ReadmeInputs): string {
  return `${SNIPPETS[target](r)}\n\n${pipeline(r.contract)}\n`;
}

export function rootReadme(r: ReadmeInputs & { targets: Target[] }): string {
  const rows = r.artifacts.map((a) => `| ${a.target} | \`${a.path}\` | ${a.format} ${a.precision} | ${a.role} |`);
  return [
    `# ${r.contract.name}: app bundle`,
    '',
    `Model: preset \`${r.contract.model.preset}\`, ${r.contract.model.parameters.toLocaleString('en')} parameters, sha256 \`${r.contract.model.sha256.slice(0, 16)}…\`, audio-to-midi ${r.contract.model.toolVersion}.`,
    '',
    '| target | path | format | what |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Each target folder has \`${CONTRACT_FILE}\` (input, normalisation, windows, outputs, stitching, thresholds) and a README with a usage snippet.`,
    '`parity.json` / `parity.md`: `a2m verify` on exactly these files — every artifact run in its own runtime on the golden inputs (`golden/`) against the canonical model, as tensors and as notes. `export.json` makes this folder an export folder, so `a2m verify <this folder>` works too.',
    '`manifest.json`: sha256 of every file. Check files and parity with `a2m bundle verify <this folder>`.',
    '`MODEL_CARD.md`: what the model is and how it was measured.',
    '',
  ].join('\n');
}
