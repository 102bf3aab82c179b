/**
 * Reading an audio file's header with ffprobe: duration, channels, rate.
 * Much cheaper than decoding, for checking and describing whole datasets.
 */
import path from 'node:path';
import { A2mError } from '../errors.js';
import { ffmpegBin, lastLine, runTool } from './ffmpeg.js';
import { checkAudioFile, ffmpegPath } from './input.js';

export interface AudioInfo {
  /** Seconds. */
  duration: number;
  channels: number;
  sampleRate: number;
  codec: string;
}

/** ffprobe next to the configured ffmpeg (same install). */
function ffprobeBin(): string {
  const ff = ffmpegBin();
  return ff.includes('/') ? path.join(path.dirname(ff), 'ffprobe') : 'ffprobe';
}

export async function probeAudio(file: string): Promise<AudioInfo> {
  await checkAudioFile(file);
  const r = await runTool(ffprobeBin(), ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,channels,sample_rate,duration:format=duration', '-of', 'json', ffmpegPath(file)]);
  if (r.exitCode !== 0) throw new A2mError(`${file}: not an audio file ffmpeg can read (ffprobe: ${lastLine(r.stderr).replace(/^.*?: /, '')})`);
  const info = JSON.parse(r.stdout.toString('utf8')) as { streams?: { codec_name?: string; channels?: number; sample_rate?: string; duration?: string }[]; format?: { duration?: string } };
  const s = info.streams?.[0];
  if (!s) throw new A2mError(`${file}: no audio stream in the file`);
  const duration = Number(s.duration ?? info.format?.duration);
  return { duration: Number.isFinite(duration) ? duration : NaN, channels: s.channels ?? 0, sampleRate: Number(s.sample_rate ?? 0), codec: s.codec_name ?? '?' };
}
