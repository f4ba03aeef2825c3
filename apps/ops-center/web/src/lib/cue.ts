/** One audio context for every cue: each context holds an audio thread of the browser until
 * it is closed, and a context per alert piled them up at the rate of the alerts. */
let shared: AudioContext | null = null;

/** Plays `frequencies` one after the other (no audio file to ship or load). */
function tones(frequencies: number[], stepS: number, type: OscillatorType, volume: number): void {
  try {
    shared ??= new AudioContext();
    const context = shared;
    // made before the user's first click, it starts suspended; it may play by now
    if (context.state === 'suspended') void context.resume();
    const gain = context.createGain();
    gain.gain.value = volume;
    gain.connect(context.destination);
    frequencies.forEach((frequency, i) => {
      const tone = context.createOscillator();
      tone.type = type;
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(context.currentTime + i * stepS);
      tone.stop(context.currentTime + i * stepS + stepS * 0.8);
    });
  } catch {
    // a browser that blocks audio until the user interacts still shows the visual cue
  }
}

/** A short two-tone beep for new priority alerts. */
export const priorityCue = (): void => tones([880, 660], 0.18, 'sine', 0.2);

/** A longer, higher three-tone siren for a new SOS alarm: not to be mistaken for a hit. */
export const sosCue = (): void => tones([1320, 990, 1320], 0.25, 'square', 0.25);
