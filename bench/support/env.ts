/** A benchmark's integer knob from the environment: the fallback when unset, else an integer in
 * [min, max] or an error naming the variable and the range. */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${raw}: expected an integer in [${min}, ${max}]`);
  }
  return value;
}
