/**
 * Where `a2m transcribe` writes each input's outputs, decided for the whole
 * run before any work starts, so that no two inputs (and no output and an
 * input) can name the same file.
 *
 * The rule (also in `a2m transcribe --help`):
 *  - one input without --out-dir: -o, else the input's path with its
 *    extension replaced by .mid (`take.v2/rec.wav` -> `take.v2/rec.mid`,
 *    `.hidden.wav` -> `.hidden.mid`, `.hidden` -> `.hidden.mid`); events go
 *    beside the MIDI file (`<stem>.csv` / `<stem>.json`), and so do the raw
 *    model outputs (`<stem>.npz`); --plot names the PNG.
 *  - --out-dir: outputs mirror each input's folders below the deepest folder
 *    that holds every input (one folder argument: that folder), so `a/x.wav`
 *    and `b/x.wav` become `OUT/a/x.mid` and `OUT/b/x.mid`. Inputs in one
 *    folder that share a stem keep their whole name: `x.wav` + `x.flac` ->
 *    `x.wav.mid` + `x.flac.mid`.
 *  - anything still colliding (two outputs one file, an output that is an
 *    input) is refused with an A2mError naming both.
 */
import path from 'node:path';
import { A2mError } from '../errors.js';

export interface TranscribeInput {
  /** The path as found (the argument, or joined below a folder argument). */
  file: string;
  /** The argument it came from is a folder (else the file itself was named). */
  fromFolder: boolean;
  /** That argument. */
  root: string;
}

export interface OutputOptions {
  out?: string;
  outDir?: string;
  events?: 'csv' | 'json';
  /** A PNG path (one input), or with outDir any value: write <name>.png. */
  plot?: string;
  /** Also write the raw model outputs as <name>.npz beside the MIDI file. */
  modelOutputs?: boolean;
}

export interface OutputPlan {
  file: string;
  mid: string;
  events?: string;
  plot?: string;
  modelOutputs?: string;
}

/**
 * A path without its extension: only the last component's, and a leading dot
 * is a hidden name, not an extension (`take.v2/rec` stays, `.hidden` stays).
 */
export function stripExtension(p: string): string {
  return p.slice(0, p.length - path.extname(p).length);
}

/** The deepest folder holding every path (absolute). */
function commonFolder(folders: readonly string[]): string {
  let common = folders[0]!.split(path.sep);
  for (const f of folders.slice(1)) {
    const parts = f.split(path.sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(path.sep) || path.sep;
}

/** Paths relative to the deepest folder holding all inputs (folder arguments count as folders). */
function mirroredPaths(inputs: readonly TranscribeInput[]): string[] {
  const abs = inputs.map((i) => path.resolve(i.file));
  const folders = inputs.map((i, k) => (i.fromFolder ? path.resolve(i.root) : path.dirname(abs[k]!)));
  const base = commonFolder(folders);
  return abs.map((a) => path.relative(base, a));
}

function plansInOutDir(inputs: readonly TranscribeInput[], o: OutputOptions & { outDir: string }): OutputPlan[] {
  const rel = mirroredPaths(inputs);
  const stemKey = (r: string) => stripExtension(r);
  const perStem = new Map<string, number>();
  for (const r of rel) perStem.set(stemKey(r), (perStem.get(stemKey(r)) ?? 0) + 1);
  return inputs.map((input, k) => {
    const r = rel[k]!;
    // Same folder, same stem (x.wav, x.flac): keep the whole name so neither result replaces the other.
    const name = path.join(o.outDir, perStem.get(stemKey(r))! > 1 ? r : stemKey(r));
    return {
      file: input.file, mid: `${name}.mid`,
      ...(o.events ? { events: `${name}.${o.events}` } : {}),
      ...(o.plot ? { plot: `${name}.png` } : {}),
      ...(o.modelOutputs ? { modelOutputs: `${name}.npz` } : {}),
    };
  });
}

function planSingle(input: TranscribeInput, o: OutputOptions): OutputPlan {
  const mid = o.out ?? `${stripExtension(input.file)}.mid`;
  return {
    file: input.file, mid,
    ...(o.events ? { events: `${stripExtension(mid)}.${o.events}` } : {}),
    ...(o.plot ? { plot: o.plot } : {}),
    ...(o.modelOutputs ? { modelOutputs: `${stripExtension(mid)}.npz` } : {}),
  };
}

/** The outputs of every input; throws an A2mError before any work if two would be one file. */
export function planOutputs(inputs: readonly TranscribeInput[], o: OutputOptions): OutputPlan[] {
  if (o.out !== undefined && o.outDir !== undefined) throw new A2mError('give -o (one input) or --out-dir, not both');
  if (inputs.length > 1 && o.outDir === undefined) throw new A2mError('several inputs: give --out-dir (or transcribe one file with -o)');
  const plans = o.outDir !== undefined ? plansInOutDir(inputs, { ...o, outDir: o.outDir }) : [planSingle(inputs[0]!, o)];
  refuseCollisions(plans);
  return plans;
}

const FLAGS = { mid: 'MIDI', events: 'events', plot: 'plot', modelOutputs: 'model outputs' } as const;

/** Every output a distinct file, and none of them an input. */
function refuseCollisions(plans: readonly OutputPlan[]): void {
  const inputs = new Map(plans.map((p) => [path.resolve(p.file), p.file]));
  const taken = new Map<string, string>(); // resolved output -> what writes it
  for (const p of plans) {
    for (const key of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) {
      const out = p[key];
      if (out === undefined) continue;
      const abs = path.resolve(out);
      const input = inputs.get(abs);
      if (input !== undefined) throw new A2mError(`${out}: the ${FLAGS[key]} output would overwrite the input ${input}; choose another output path`);
      const what = `the ${FLAGS[key]} output of ${p.file}`;
      const other = taken.get(abs);
      if (other !== undefined) throw new A2mError(`${out}: ${other} and ${what} would be the same file; give them different names`);
      taken.set(abs, what);
    }
  }
}
