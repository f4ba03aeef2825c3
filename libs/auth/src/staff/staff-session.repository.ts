import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';

export interface CountedAttempt {
  /** Attempts counted in the current window, this one included. */
  readonly attempts: number;
  readonly windowEndsAt: Date;
}

/** The client_ip of the row that counts a username's attempts from every address (not an
 * address, so it never collides with one). */
export const ANY_ADDRESS = '*';

/** All SQL of sign-in attempts and staff sessions. */
@Injectable()
export class StaffSessionRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  /** Counts an attempt before its password is checked, in one statement: concurrent attempts
   * each get their own number, so no more than the limit can be under way at once. `clientIp`
   * ANY_ADDRESS counts the username's attempts from every address. */
  async count(username: string, clientIp: string, windowMs: number): Promise<CountedAttempt> {
    const rows = (await this.em.query(
      `INSERT INTO sign_in_attempt AS a (username, client_ip, attempts, window_ends_at)
       VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (username, client_ip) DO UPDATE SET
         attempts = CASE WHEN a.window_ends_at <= now() THEN 1 ELSE a.attempts + 1 END,
         window_ends_at = CASE WHEN a.window_ends_at <= now()
           THEN EXCLUDED.window_ends_at ELSE a.window_ends_at END
       RETURNING attempts, window_ends_at`,
      [username, clientIp, windowMs],
    )) as Array<{ attempts: number; window_ends_at: Date }>;
    const row = rows[0]!;
    return { attempts: row.attempts, windowEndsAt: row.window_ends_at };
  }

  /** After a success: this address and the username's count from anywhere start afresh. */
  async forget(username: string, clientIp: string): Promise<void> {
    await this.em.query(
      `DELETE FROM sign_in_attempt WHERE username = $1 AND client_ip IN ($2, $3)`,
      [username, clientIp, ANY_ADDRESS],
    );
  }

  async startSession(id: string, userId: string, expiresAt: Date): Promise<void> {
    await this.em.query(`INSERT INTO staff_session (id, user_id, expires_at) VALUES ($1, $2, $3)`, [
      id,
      userId,
      expiresAt,
    ]);
  }

  /** Ends a session of this user; false when there was no such open session. */
  async endSession(id: string, userId: string): Promise<boolean> {
    const rows = (await this.em.query(
      `UPDATE staff_session SET ended_at = now()
       WHERE id = $1 AND user_id = $2 AND ended_at IS NULL RETURNING id`,
      [id, userId],
    )) as [unknown[], number];
    return rows[1] > 0;
  }

  /** Windows and sessions that ended a day ago or more. */
  async sweep(): Promise<void> {
    await this.em.query(
      `DELETE FROM sign_in_attempt WHERE window_ends_at < now() - interval '1 day'`,
    );
    await this.em.query(`DELETE FROM staff_session WHERE expires_at < now() - interval '1 day'`);
  }
}
