/**
 * PCM already in memory (the library API's `transcribe({ channels, sampleRate })`)
 * as an AudioSource. At 16 kHz with one or two channels the samples are used
 * as they are (mono doubled at full level, as the file decoder does); any
 * other rate or layout goes through ffmpeg with the file decoder's own
 * settings, so a WAV file and its samples give the same notes.
 */
import { A2mError } from '../errors.js';
import type { AudioChunk } from '../audio/decode.js';
import { ffmpegBin, lastLine, runTool } from '../audio/ffmpeg.js';
import { deinterleave, interleave } from '../audio/pcm.js';
import { firstNonFinite } from '../audio/normalize.js';
import { SAMPLE_RATE } from '../audio/window.js';
import type { AudioSource } from './transcribe.js';

export interface PcmInput {
  /** One array per channel, all the same length (planar float32, nominally -1..1). */
  channels: Float32Array[];
  sampleRate: number;
}

/** Frames per chunk handed to the window stream (1 s, as the file decoder yields). */
const CHUNK_FRAMES = SAMPLE_RATE;
const MAX_CHANNELS = 32;
/** The same channel fold the file decoder applies (src/audio/decode.ts). */
const STEREO_FOLD = 'pan=stereo|FL<FL+FC|FR<FR+FC';

/** Checks the shape and values of PCM input, naming what is wrong. */
export function checkPcm(pcm: PcmInput, label = '<pcm>'): void {
  const { channels, sampleRate } = pcm ?? {};
  if (!Array.isArray(channels) || channels.length < 1 || channels.length > MAX_CHANNELS || channels.some((c) => !(c instanceof Float32Array))) {
    throw new A2mError(`${label}: channels must be 1..${MAX_CHANNELS} Float32Arrays`);
  }
  if (channels.some((c) => c.length !== channels[0]!.length)) throw new A2mError(`${label}: channels differ in length (${channels.map((c) => c.length).join(', ')})`);
  if (channels[0]!.length === 0) throw new A2mError(`${label}: contains no audio samples`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 384000) throw new A2mError(`${label}: sampleRate must be an integer 1000..384000 Hz, got ${sampleRate}`);
  const at = firstNonFinite(channels);
  if (at >= 0) throw new A2mError(`${label}: sample at ${(at / sampleRate).toFixed(3)} s is not finite, expected finite audio samples`);
}

/** 16 kHz stereo planar samples of `pcm` (resampled / folded by ffmpeg when needed). */
async function toModelRate(pcm: PcmInput, label: string): Promise<[Float32Array, Float32Array]> {
  const { channels, sampleRate } = pcm;
  if (sampleRate === SAMPLE_RATE && channels.length <= 2) return [channels[0]!, channels[1] ?? channels[0]!];
  const r = await runTool(ffmpegBin(), [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'f32le', '-ar', String(sampleRate), '-ac', String(channels.length), '-i', 'pipe:0',
    '-af', `${STEREO_FOLD},aresample=${SAMPLE_RATE}`, '-ac', '2', '-ar', String(SAMPLE_RATE), '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1',
  ], { input: interleave(channels) });
  if (r.exitCode !== 0) throw new A2mError(`${label}: ffmpeg could not resample the PCM (${lastLine(r.stderr)})`);
  const [left, right] = deinterleave(r.stdout, 2);
  return [left!, right!];
}

export function pcmSource(pcm: PcmInput, label = '<pcm>'): AudioSource {
  checkPcm(pcm, label);
  let stereo: Promise<[Float32Array, Float32Array]> | undefined;
  return {
    label,
    async *chunks(): AsyncGenerator<AudioChunk> {
      const [left, right] = await (stereo ??= toModelRate(pcm, label));
      for (let start = 0; start < left.length; start += CHUNK_FRAMES) {
        const end = Math.min(left.length, start + CHUNK_FRAMES);
        yield { channels: [left.subarray(start, end), right.subarray(start, end)], start };
      }
    },
  };
}
