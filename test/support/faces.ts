import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const FACE_FIXTURES = join(__dirname, '../fixtures/faces');
export const PEOPLE = [
  'amy',
  'bernadette',
  'howard',
  'leonard',
  'penny',
  'raj',
  'sheldon',
  'stuart',
] as const;
export type Person = (typeof PEOPLE)[number];
export const GROUP_PHOTOS = ['bbt1.jpg', 'bbt2.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'] as const;

export function fixture(relative: string): Buffer {
  return readFileSync(join(FACE_FIXTURES, relative));
}

export function personPhoto(person: Person, shot: number): Buffer {
  return fixture(`${person}/${person}${shot}.png`);
}

/** Cameras send JPEG: the labelled PNGs are re-encoded the way a camera would. */
export function asJpeg(image: Buffer): Promise<Buffer> {
  return sharp(image).jpeg({ quality: 92 }).toBuffer();
}
