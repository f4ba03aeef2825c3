import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The repository's root (where kuzet's package.json is), the same from the TypeScript
 * sources and from dist/, for files the apps ship beside their code: the built console,
 * the seed region, the demo's fixture faces. */
export function projectRoot(from: string = __dirname): string {
  if (cached) return cached;
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kuzet'
    ) {
      cached = dir;
      return dir;
    }
  }
  throw new Error(`kuzet's package.json not found above ${from}`);
}
