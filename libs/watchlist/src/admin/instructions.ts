/** Whose instructions an officer or an operator is given: the person's own, else the list's. */
export type InstructionsSource = 'person' | 'list';

export interface EffectiveInstructions {
  readonly instructions: string | null;
  /** null when neither the person nor the list says anything. */
  readonly source: InstructionsSource | null;
}

/** The person's instructions win over the list's: they are about this person ("armed, do not
 * detain alone"), the list's about everyone on it. */
export function effectiveInstructions(
  person: { readonly instructions: string | null } | null,
  list: { readonly instructions: string | null } | null,
): EffectiveInstructions {
  if (person?.instructions) return { instructions: person.instructions, source: 'person' };
  if (list?.instructions) return { instructions: list.instructions, source: 'list' };
  return { instructions: null, source: null };
}
