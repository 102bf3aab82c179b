/**
 * Running ffmpeg (and other audio tools) as child processes via execa, with
 * the "tool missing" case turned into an install hint instead of ENOENT.
 */
import { execa, type Options } from 'execa';
import { A2mError } from '../errors.js';

/** The ffmpeg binary: $A2M_FFMPEG, else `ffmpeg` on PATH. */
export function ffmpegBin(): string {
  return process.env.A2M_FFMPEG ?? 'ffmpeg';
}

/** How to get each external tool, shown when it is missing. */
const INSTALL_HINTS: Record<string, string> = {
  ffmpeg: 'apt-get install ffmpeg (or brew install ffmpeg)',
  ffprobe: 'apt-get install ffmpeg (or brew install ffmpeg)',
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
  const name = bin === ffmpegBin() ? 'ffmpeg' : bin.split('/').pop()!;
  const hint = INSTALL_HINTS[name] ?? `install ${name}`;
  return new A2mError(`${name} not found (looked for "${bin}" on PATH): ${hint}`);
}

/** The last meaningful line of a tool's stderr, for one-line error messages. */
export function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? 'no message';
}
