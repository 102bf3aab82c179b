/**
 * MIL identifiers: IR names like "layer0/local_attn/q/w" become
 * "layer0_local_attn_q_w"; collisions get a numeric suffix. Reserved names
 * (the model's input and public output names) are never handed out twice.
 */
import { A2mError } from '../../src/errors.js';
import { IDENTIFIER } from './format.js';

export function sanitize(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  return s;
}

export class NameAllocator {
  private used = new Set<string>();

  /** Claims an exact name (must already be a valid identifier); false when taken. */
  reserve(name: string): boolean {
    // `a2m convert` renames public names before they get here; a direct caller learns the rule and the way out.
    if (!IDENTIFIER.test(name)) throw new A2mError(`Core ML: "${name}" is not a valid MIL identifier ([A-Za-z_][A-Za-z0-9_]*): rename the input or output (a2m convert renames automatically, or --rename ${name}=<name>)`);
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** A fresh identifier derived from `base`. */
  fresh(base: string): string {
    const s = sanitize(base);
    if (!this.used.has(s)) { this.used.add(s); return s; }
    for (let i = 1; ; i++) {
      const c = `${s}_${i}`;
      if (!this.used.has(c)) { this.used.add(c); return c; }
    }
  }
}
