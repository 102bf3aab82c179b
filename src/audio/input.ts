/**
 * Paths handed to ffmpeg / ffprobe, and the checks an audio input passes
 * before either runs.
 *
 * ffmpeg reads every `-i` (and output) argument as a URL: a relative path
 * that starts `concat:`, `http:`, `subfile,,...:` etc. selects that protocol,
 * so a folder a user transcribes could name a file anywhere on disk (or the
 * network) by the shape of its sub-folders. `file:` + an absolute path always
 * means the local file at exactly that path.
 *
 * FIFOs, devices and sockets are refused before spawning: ffmpeg would block
 * on an unwritten FIFO (and so would our own open) or read a device forever.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { A2mError } from '../errors.js';

/** File extensions read as audio when a folder is given (datasets, `a2m transcribe <folder>`). */
export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.m4a', '.aac', '.aif', '.aiff', '.ogg', '.opus'];

/** The form of a local path that ffmpeg cannot read as another protocol. */
export function ffmpegPath(file: string): string {
  return `file:${path.resolve(file)}`;
}

/** What a non-regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuseUnlessRegular(file: string, st: Stats): void {
  if (st.isDirectory()) throw new A2mError(`${file}: is a folder, expected an audio file`);
  if (!st.isFile()) throw new A2mError(`${file}: is ${kindOf(st)}, expected a regular audio file`);
  if (st.size === 0) throw new A2mError(`${file}: empty file (0 bytes), expected audio`);
}

function cannotRead(file: string, e: unknown): A2mError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new A2mError(`${file}: no such file`, { cause: e });
  return new A2mError(`${file}: cannot read (${code === 'EACCES' ? 'permission denied' : code ?? (e as Error).message})`, { cause: e });
}

/**
 * Throws an A2mError naming `file` unless it is a readable, non-empty regular
 * file (symlinks to one are fine). The type is checked by path first (nothing
 * is opened that is not a regular file), then again on the opened handle
 * (O_NONBLOCK: opening a FIFO swapped in meanwhile cannot hang).
 */
export async function checkAudioFile(file: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    throw cannotRead(file, e);
  }
  refuseUnlessRegular(file, st);
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    refuseUnlessRegular(file, await fh.stat());
  } finally {
    await fh.close();
  }
}
