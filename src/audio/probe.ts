/**
 * Reading an audio file's header with ffprobe: duration, channels, rate.
 * Much cheaper than decoding, for checking and describing whole datasets.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { PACKAGED_FFMPEG, ffmpegChoice, findOnPath, lastLine, runTool } from './ffmpeg.js';
import { checkAudioFile, ffmpegPath } from './input.js';

export interface AudioInfo {
  /** Seconds. */
  duration: number;
  channels: number;
  sampleRate: number;
  codec: string;
}

const executable = (p: string): boolean => {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
};

/**
 * ffprobe: the one beside the ffmpeg in use (same install), else `ffprobe` on
 * PATH. The ffmpeg of @ffmpeg-installer/ffmpeg comes without one, so a machine
 * relying on it has none: only reading headers (dataset check / stats) needs
 * ffprobe, transcription does not, so this is asked for here and only here.
 */
export function ffprobeBin(): string {
  let ff: string | null = null;
  try { ff = ffmpegChoice().bin; } catch { /* no ffmpeg at all: ffprobe may still be on PATH */ }
  if (ff?.includes('/')) {
    const beside = path.join(path.dirname(ff), 'ffprobe');
    if (executable(beside)) return beside;
  }
  const onPath = findOnPath('ffprobe');
  if (onPath) return onPath;
  throw new A2mError(`ffprobe not found (not beside ${ff ?? 'ffmpeg'} nor on PATH; the ffmpeg bundled by npm ${PACKAGED_FFMPEG} has none), ` +
    'needed to read audio headers (dataset check / stats, not transcription): apt-get install ffmpeg (or brew install ffmpeg), ' +
    'or set A2M_FFMPEG to an ffmpeg whose folder also holds ffprobe');
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
