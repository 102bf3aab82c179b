/**
 * Progress on stderr for long work: a cli-progress bar on a terminal (windows
 * of one long file, or files of a folder), plain lines otherwise (CI logs).
 * Lines logged while a bar is drawn are held and printed when it stops, so
 * they do not tear the bar.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the bar to `done` of `total` (windows of one file). */
  update(done: number, total: number, label: string): void;
  /** One more of `total` done (files of a run). */
  increment(label: string, total: number): void;
  log(line: string): void;
  stop(): void;
}

export function bar(unit: 'windows' | 'files', stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { update() {}, increment() {}, log: (line) => { stream.write(`${line}\n`); }, stop() {} };
  }
  const held: string[] = [];
  let b: cliProgress.SingleBar | null = null;
  let done = 0;
  const ensure = (total: number) => {
    if (b) { b.setTotal(total); return b; }
    b = new cliProgress.SingleBar({ format: `transcribe |{bar}| {value}/{total} ${unit} | {label}`, stream, clearOnComplete: true }, cliProgress.Presets.shades_classic);
    b.start(total, 0, { label: '' });
    return b;
  };
  return {
    update(value, total, label) { ensure(total).update(value, { label }); },
    increment(label, total) { ensure(total).update(++done, { label }); },
    log(line) { if (b) held.push(line); else stream.write(`${line}\n`); },
    stop() { (b as cliProgress.SingleBar | null)?.stop(); b = null; for (const l of held) stream.write(`${l}\n`); },
  };
}
