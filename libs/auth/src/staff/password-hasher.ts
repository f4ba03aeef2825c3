import { Injectable } from '@nestjs/common';
import { argon2id, hash, verify } from 'argon2';

/** argon2id with the library's defaults (64 MiB, 3 passes). A check for an unknown user
 * still verifies against a real hash, so timing does not tell which usernames exist. */
@Injectable()
export class PasswordHasher {
  private readonly decoy = hash('kuzet-decoy-password', { type: argon2id });

  hash(password: string): Promise<string> {
    return hash(password, { type: argon2id });
  }

  async matches(storedHash: string | null, password: string): Promise<boolean> {
    if (storedHash === null) {
      await verify(await this.decoy, password);
      return false;
    }
    return verify(storedHash, password);
  }
}
