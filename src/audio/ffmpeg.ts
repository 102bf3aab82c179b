/**
 * Running ffmpeg (and other audio tools) as child processes via execa, with
 * the "tool missing" case turned into an install hint instead of ENOENT.
 *
 * Which ffmpeg: $A2M_FFMPEG, else `ffmpeg` on PATH, else the static binary of
 * the npm package @ffmpeg-installer/ffmpeg (a dependency, so an installed
 * package transcribes on a machine without ffmpeg). That package ships no
 * ffprobe: src/audio/probe.ts looks for one itself.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa, type Options } from 'execa';
import { A2mError } from '../errors.js';

/** Where the ffmpeg in use comes from. */
export type FfmpegSource = 'A2M_FFMPEG' | 'PATH' | '@ffmpeg-installer/ffmpeg';

export interface FfmpegChoice { bin: string; source: FfmpegSource }

/** The npm package whose binary is the last resort. */
export const PACKAGED_FFMPEG = '@ffmpeg-installer/ffmpeg';

const isExecutableFile = (p: string): boolean => {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Memo of findOnPath per (PATH, name): one stat per PATH entry, once per process. */
const pathMemo = new Map<string, string | null>();

/** The absolute path of an executable `name` on $PATH (first match, like a shell), or null. */
export function findOnPath(name: string): string | null {
  const PATH = process.env.PATH ?? '';
  const key = `${PATH}\0${name}`;
  const hit = pathMemo.get(key);
  if (hit !== undefined) return hit;
  const names = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => name + e.toLowerCase()).concat(name) : [name];
  let found: string | null = null;
  outer: for (const dir of PATH.split(path.delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = path.resolve(dir, n);
      if (isExecutableFile(p)) { found = p; break outer; }
    }
  }
  pathMemo.set(key, found);
  return found;
}

let packaged: string | null | undefined;
/** The binary shipped by @ffmpeg-installer/ffmpeg for this platform, or null when it is not installed (or not for this platform). */
export function packagedFfmpeg(): string | null {
  if (packaged === undefined) {
    try {
      const p = (createRequire(import.meta.url)(PACKAGED_FFMPEG) as { path: string }).path;
      packaged = isExecutableFile(p) ? p : null;
    } catch {
      packaged = null; // not installed, or it throws (a string) for an unsupported platform
    }
  }
  return packaged;
}

/**
 * The ffmpeg to run and where it comes from: $A2M_FFMPEG, else `ffmpeg` on
 * PATH, else the binary of @ffmpeg-installer/ffmpeg. Throws the install hint
 * when there is none.
 */
export function ffmpegChoice(): FfmpegChoice {
  const env = process.env.A2M_FFMPEG;
  if (env) return { bin: env, source: 'A2M_FFMPEG' };
  const onPath = findOnPath('ffmpeg');
  if (onPath) return { bin: onPath, source: 'PATH' };
  const pkg = packagedFfmpeg();
  if (pkg) return { bin: pkg, source: PACKAGED_FFMPEG };
  throw new A2mError(`ffmpeg not found (not on PATH, and npm package ${PACKAGED_FFMPEG} has no binary here): ${INSTALL_HINTS.ffmpeg}, or npm install ${PACKAGED_FFMPEG}, or set A2M_FFMPEG to an ffmpeg binary`);
}

/** The ffmpeg binary to run (see ffmpegChoice). */
export function ffmpegBin(): string {
  return ffmpegChoice().bin;
}

/** How to get each external tool, shown when it is missing. */
const INSTALL_HINTS: Record<string, string> = {
  ffmpeg: 'apt-get install ffmpeg (or brew install ffmpeg)',
  ffprobe: 'apt-get install ffmpeg (or brew install ffmpeg), which installs ffprobe beside ffmpeg',
  fluidsynth: 'apt-get install fluidsynth (or brew install fluid-synth)',
};

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a tool to completion, returning stdout as bytes. A missing binary throws
 * an A2mError with the install hint; a non-zero exit is returned, not thrown,
 * so callers can word the error for the file they were working on.
 */
export async function runTool(bin: string, args: readonly string[], opts: { input?: Uint8Array; cwd?: string } = {}): Promise<ToolResult> {
  const options: Options = { encoding: 'buffer', reject: false, stripFinalNewline: false, maxBuffer: 2 ** 31 - 1, cwd: opts.cwd, ...(opts.input ? { input: opts.input } : {}) };
  const r = await execa(bin, args, options);
  if ((r as { code?: string }).code === 'ENOENT' || (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))) {
    throw missingTool(bin);
  }
  return { stdout: Buffer.from(r.stdout as Uint8Array), stderr: Buffer.from((r.stderr ?? new Uint8Array()) as Uint8Array).toString('utf8'), exitCode: r.exitCode ?? -1 };
}

export function missingTool(bin: string): A2mError {
  // $A2M_FFMPEG may name any path: it is still ffmpeg we are missing.
  const name = bin === process.env.A2M_FFMPEG ? 'ffmpeg' : path.basename(bin);
  const hint = INSTALL_HINTS[name] ?? `install ${name}`;
  return new A2mError(`${name} not found (looked for "${bin}"${bin.includes('/') ? '' : ' on PATH'}): ${hint}`);
}

/** The last meaningful line of a tool's stderr, for one-line error messages. */
export function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? 'no message';
}
