/** Facts shared across the toolchain (the model's time/pitch grid). */

/** The model's audio grid, written once: 16 kHz stereo in 5 s windows, 50 output frames per second. */
export const SAMPLE_RATE = 16000;
export const CHANNELS = 2;
export const WINDOW_SAMPLES = 80000;
/** Model frame rate: 250 frames per 5 s window. */
export const FRAMES_PER_SECOND = 50;
/** Output index k is MIDI note k + MIDI_OFFSET. */
export const MIDI_OFFSET = 21;
/** Output width (keys 21..110); the 88 piano keys are indices 0..87. */
export const NUM_KEYS = 90;
export const PIANO_LOW = 21;
export const PIANO_HIGH = 108;

/** One note event, in seconds. Velocity is 0..1 (MIDI velocity / 127). */
export interface Note {
  onset: number;
  offset: number;
  /** MIDI note number. */
  pitch: number;
  velocity: number;
}
