/** A short two-tone beep for new priority alerts (no audio file to ship or load). */
export function priorityCue(): void {
  try {
    const context = new AudioContext();
    const gain = context.createGain();
    gain.gain.value = 0.2;
    gain.connect(context.destination);
    [880, 660].forEach((frequency, i) => {
      const tone = context.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(context.currentTime + i * 0.18);
      tone.stop(context.currentTime + i * 0.18 + 0.15);
    });
  } catch {
    // a browser that blocks audio until the user interacts still shows the visual cue
  }
}
