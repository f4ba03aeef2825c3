/** Thrown by a handler for a message that can never be processed (malformed, invalid):
 * the bus dead-letters it with this reason and moves on. */
export class RejectedMessageError extends Error {
  constructor(
    readonly reason: string,
    readonly details: readonly { field: string; rule: string; message: string }[] = [],
    /** Every consumer group that refuses the message, when one group writes the dead letter
     * for all of them (default: only the group that threw). */
    readonly refusedBy?: readonly string[],
  ) {
    super(
      `${reason}${details.length ? `: ${details.map((d) => `${d.field} ${d.rule}`).join(', ')}` : ''}`,
    );
    this.name = 'RejectedMessageError';
  }
}
