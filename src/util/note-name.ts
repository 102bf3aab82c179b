/** Pitch-class names with sharps, index = MIDI note % 12. */
const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/** Scientific pitch notation with sharps: MIDI 21 -> "A0", 60 -> "C4", 108 -> "C8". */
export function noteName(midi: number): string {
  return `${PITCH_CLASSES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}
