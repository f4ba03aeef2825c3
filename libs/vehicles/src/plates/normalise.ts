import { CYRILLIC_LOOKALIKES } from '@kuzet/contracts';

/** How kuzet recognised a plate. Unrecognised plates are matched all the same, as read. */
export type PlateFormat = 'kz_2012' | 'kz_legal_entity' | 'foreign' | 'unrecognised';

export interface NormalisedPlate {
  /** Upper case, separators removed, Cyrillic look-alikes as Latin: the matching key. */
  readonly text: string;
  readonly format: PlateFormat;
  /** Kazakh region code ("12" is Mangystau) for the Kazakh formats. */
  readonly region: string | null;
  /** Country as the camera reported it, upper case, or null. */
  readonly country: string | null;
  /** For each character of `text`, the index of the character of the read it came from, so a
   * camera's per-character confidences can be looked up for a normalised position. */
  readonly sourceIndex: readonly number[];
}

// Region codes of Kazakhstan's plates since 2012: 01 Astana .. 17 Shymkent, 18 Abai,
// 19 Zhetysu, 20 Ulytau.
const KZ_REGIONS = new Set(Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0')));
const KZ_2012 = /^[0-9]{3}[A-Z]{3}([0-9]{2})$/;
const KZ_LEGAL_ENTITY = /^[0-9]{3}[A-Z]{2}([0-9]{2})$/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * The matching key of a plate as read. OCR confusions (0/O, 1/I, 8/B, ...) are deliberately
 * kept: rewriting them would merge plates that differ, so matching weighs them instead.
 * Returns null when nothing of a plate is left (only separators).
 */
export function normalisePlate(asRead: string, country?: string | null): NormalisedPlate | null {
  let text = '';
  const sourceIndex: number[] = [];
  let index = 0;
  for (const raw of asRead) {
    const upper = raw.toUpperCase();
    if (LETTER_OR_DIGIT.test(raw) && [...upper].length === 1) {
      text += CYRILLIC_LOOKALIKES[upper] ?? upper;
      sourceIndex.push(index);
    }
    index++;
  }
  if (text === '') return null;
  const countryCode = country ? country.toUpperCase() : null;
  let format: PlateFormat = 'unrecognised';
  let region: string | null = null;
  if (countryCode !== null && countryCode !== 'KZ') format = 'foreign';
  else {
    const kz = KZ_2012.exec(text) ?? KZ_LEGAL_ENTITY.exec(text);
    if (kz && KZ_REGIONS.has(kz[1]!)) {
      format = kz[0].length === 8 ? 'kz_2012' : 'kz_legal_entity';
      region = kz[1]!;
    }
  }
  return { text, format, region, country: countryCode, sourceIndex };
}
