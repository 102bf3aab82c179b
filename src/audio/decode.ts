/**
 * Decoding any audio ffmpeg reads (wav, flac, mp3, m4a/aac, aif, ogg, ...) to
 * 16 kHz stereo float32, planar. Mono is duplicated to both channels at full
 * level (ffmpeg's own `-ac 2` would lower it 3 dB); more than two channels are
 * folded into left/right.
 *
 * `decodeStream` yields bounded chunks while ffmpeg runs, so a long file can be
 * transcribed window by window: memory holds one chunk plus the pipe buffer,
 * because ffmpeg blocks when we stop reading.
 */
import { A2mError } from '../errors.js';
import { ffmpegBin, startTool } from './ffmpeg.js';
import { checkAudioFile, ffmpegPath } from './input.js';
import { firstNonFinite } from './normalize.js';
import { SAMPLE_RATE } from '../types.js';

export { SAMPLE_RATE };

/** Left/right fold: mono (FC) goes to both sides, stereo stays, surround keeps its front pair plus centre. */
const STEREO_FOLD = 'pan=stereo|FL<FL+FC|FR<FR+FC';

export interface DecodeOptions {
  /** Output rate (default 16000). */
  sampleRate?: number;
  /** Frames per yielded chunk (default 1 s worth); the last chunk may be shorter. */
  chunkFrames?: number;
}

/** A run of decoded audio; `start` is the index of its first frame in the file. */
export interface AudioChunk {
  channels: [Float32Array, Float32Array];
  start: number;
}

export interface DecodedAudio {
  channels: [Float32Array, Float32Array];
  sampleRate: number;
}

/** ffmpeg's stderr -> what went wrong, in the user's terms (first matching row wins). */
const FFMPEG_ERRORS: readonly [RegExp, string][] = [
  [/Invalid data found when processing input|could not find codec parameters|Failed to read frame size|moov atom not found|Invalid argument/i, 'not an audio file ffmpeg can read'],
  [/does not contain any stream|Stream map .* matches no streams|no audio stream|Output file .* does not contain/i, 'no audio stream in the file'],
  [/Permission denied/i, 'cannot read (permission denied)'],
];

function describeFailure(file: string, stderr: string): A2mError {
  const row = FFMPEG_ERRORS.find(([re]) => re.test(stderr));
  const detail = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? 'no message';
  return new A2mError(`${file}: ${row ? row[1] : 'ffmpeg could not decode it'} (ffmpeg: ${detail.replace(/^.*?: /, '')})`);
}

/**
 * Streams the file as planar stereo chunks. Throws A2mError naming the file
 * when it is missing, empty, not audio, or decodes to no samples.
 */
export async function* decodeStream(file: string, opts: DecodeOptions = {}): AsyncGenerator<AudioChunk> {
  await checkAudioFile(file);
  const rate = opts.sampleRate ?? SAMPLE_RATE;
  const chunkFrames = Math.max(1, opts.chunkFrames ?? rate);
  const proc = startTool(ffmpegBin(), [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', ffmpegPath(file), '-vn', '-map', '0:a:0',
    '-af', `${STEREO_FOLD},aresample=${rate}`, '-ac', '2', '-ar', String(rate), '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1',
  ]);
  // Observed now so a failed start is not an unhandled rejection while stdout is read.
  proc.done.catch(() => {});

  const bytesPerChunk = chunkFrames * 8; // 2 channels x 4 bytes
  let pending: Buffer = Buffer.alloc(0);
  let start = 0;
  let finished = false;
  try {
    for await (const data of proc.child.stdout) {
      pending = pending.length === 0 ? (data as Buffer) : Buffer.concat([pending, data as Buffer]);
      while (pending.length >= bytesPerChunk) {
        const chunk = toPlanar(pending.subarray(0, bytesPerChunk));
        pending = pending.subarray(bytesPerChunk);
        refuseNonFinite(file, chunk, start, rate);
        yield { channels: chunk, start };
        start += chunkFrames;
      }
    }
    const r = await proc.done; // a missing ffmpeg rejects here with the install hint
    if (r.exitCode !== 0) throw describeFailure(file, r.stderr.slice(-4000));
    const tailFrames = Math.floor(pending.length / 8);
    if (tailFrames > 0) {
      const chunk = toPlanar(pending.subarray(0, tailFrames * 8));
      refuseNonFinite(file, chunk, start, rate);
      yield { channels: chunk, start };
      start += tailFrames;
    }
    if (start === 0) throw new A2mError(`${file}: contains no audio samples`);
    finished = true;
  } finally {
    // The consumer stopped early (or we failed): stop ffmpeg instead of leaving it blocked on a full pipe.
    if (!finished) {
      proc.child.kill();
      await proc.done.catch(() => {});
    }
  }
}

/**
 * One NaN or Inf sample makes the whole-file level NaN, and normalisation then
 * silently turns every window into NaN (0 notes): refuse the file instead,
 * naming where the first bad sample is.
 */
function refuseNonFinite(file: string, channels: readonly Float32Array[], start: number, rate: number): void {
  const at = firstNonFinite(channels);
  if (at < 0) return;
  const v = channels.map((ch) => ch[at]!).find((x) => !Number.isFinite(x))!;
  throw new A2mError(`${file}: sample at ${((start + at) / rate).toFixed(3)} s is ${v}, expected finite audio samples (damaged or unnormalised float audio?)`);
}

/** Decodes a whole file into memory. */
export async function decodeFile(file: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const parts: AudioChunk[] = [];
  let total = 0;
  for await (const c of decodeStream(file, { ...opts, chunkFrames: opts.chunkFrames ?? 10 * (opts.sampleRate ?? SAMPLE_RATE) })) {
    parts.push(c);
    total += c.channels[0].length;
  }
  const left = new Float32Array(total);
  const right = new Float32Array(total);
  for (const c of parts) {
    left.set(c.channels[0], c.start);
    right.set(c.channels[1], c.start);
  }
  return { channels: [left, right], sampleRate: opts.sampleRate ?? SAMPLE_RATE };
}

/** Interleaved f32le stereo bytes -> [left, right] (copied: the pipe's Buffer may be unaligned). */
function toPlanar(bytes: Uint8Array): [Float32Array, Float32Array] {
  const frames = bytes.byteLength >> 3;
  const aligned = new Float32Array(frames * 2);
  new Uint8Array(aligned.buffer).set(bytes.subarray(0, frames * 8));
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = aligned[2 * i]!;
    right[i] = aligned[2 * i + 1]!;
  }
  return [left, right];
}
