import { parse } from 'csv-parse/sync';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';

export interface ImportPerson {
  readonly fullName: string;
  readonly caseReference?: string;
  readonly notes?: string;
  /** What officers must do about this person; the list's instructions apply without it. */
  readonly instructions?: string;
  readonly photos: readonly string[];
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

const csvRow = z.object({
  full_name: z.string().trim().min(1, 'full_name is empty'),
  photo: z.string().trim().min(1, 'photo is empty'),
  case_reference: z.string().trim().optional(),
  notes: z.string().optional(),
  instructions: z
    .string()
    .trim()
    .max(1000, 'instructions is longer than 1000 characters')
    .optional(),
});

/** A folder of folders (one per person, named after them, holding their photos) or a CSV
 * with columns full_name, photo (path relative to the CSV), case_reference, notes, instructions; several
 * rows with the same full_name and case_reference are one person with several photos. */
export async function readImportSource(path: string): Promise<ImportPerson[]> {
  const info = await stat(path);
  return info.isDirectory() ? readFolder(path) : readCsv(path);
}

async function readFolder(folder: string): Promise<ImportPerson[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const people: ImportPerson[] = [];
  for (const entry of entries
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const files = await readdir(join(folder, entry.name));
    const photos = files
      .filter((file) => IMAGE_EXTENSIONS.has(extname(file).toLowerCase()))
      .sort()
      .map((file) => join(folder, entry.name, file));
    people.push({ fullName: entry.name, photos });
  }
  return people;
}

async function readCsv(file: string): Promise<ImportPerson[]> {
  const rows: unknown[] = parse(await readFile(file, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  });
  const people = new Map<
    string,
    {
      fullName: string;
      caseReference?: string;
      notes?: string;
      instructions?: string;
      photos: string[];
    }
  >();
  rows.forEach((raw, index) => {
    const parsed = csvRow.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(
        `${basename(file)} row ${index + 2}: ${issue.path.join('.') || 'row'}: ${issue.message}`,
      );
    }
    const row = parsed.data;
    const key = `${row.full_name}\u0000${row.case_reference ?? ''}`;
    const person = people.get(key) ?? {
      fullName: row.full_name,
      caseReference: row.case_reference || undefined,
      notes: row.notes || undefined,
      instructions: row.instructions || undefined,
      photos: [],
    };
    person.photos.push(resolve(dirname(file), row.photo));
    people.set(key, person);
  });
  return [...people.values()];
}
