/**
 * Running ffmpeg (and other audio tools) as child processes, with the "tool
 * missing" case turned into an install hint instead of ENOENT. Node's own
 * child_process, not execa: execa costs about 0.1 s of CPU to import, paid at
 * every start of `a2m transcribe` and again in its decoding worker.
 *
 * Which ffmpeg: $A2M_FFMPEG, else `ffmpeg` on PATH, else the static binary of
 * the npm package @ffmpeg-installer/ffmpeg (a dependency, so an installed
 * package transcribes on a machine without ffmpeg). That package ships no
 * ffprobe: src/audio/probe.ts looks for one itself.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
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
  const proc = startTool(bin, args, { cwd: opts.cwd, stdin: Boolean(opts.input) });
  const out: Buffer[] = [];
  proc.child.stdout.on('data', (d: Buffer) => out.push(d));
  // A tool that exits without reading all its input closes the pipe: that is its exit code's business, not an EPIPE crash.
  proc.child.stdin?.on('error', () => {});
  proc.child.stdin?.end(opts.input);
  const { exitCode, stderr } = await proc.done;
  return { stdout: Buffer.concat(out), stderr, exitCode };
}

/** A running tool: stdout to read as it comes, and how it ended (stderr kept whole). */
export interface RunningTool {
  child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  /** Settles when the process has exited and its pipes are closed; rejects with the install hint when the binary is missing. */
  done: Promise<{ exitCode: number; stderr: string }>;
}

/** Starts `bin` with stdout and stderr piped (stdin piped only with `stdin: true`). */
export function startTool(bin: string, args: readonly string[], opts: { cwd?: string; stdin?: boolean } = {}): RunningTool {
  const child = spawn(bin, args, { cwd: opts.cwd, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }) as RunningTool['child'];
  const err: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missingTool(bin) : e));
    child.once('close', (code, signal) => resolve({ exitCode: code ?? (signal ? -1 : 0), stderr: Buffer.concat(err).toString('utf8') }));
  });
  return { child, done };
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
