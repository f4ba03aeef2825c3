import {
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { TTLCache } from '@isaacs/ttlcache';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { StaffUserEntity } from '@kuzet/persistence';
import { randomUUID } from 'node:crypto';
import { FieldErrorsException, RequestValidationException } from '@kuzet/http';
import { AuditLogService } from '@kuzet/audit-log';
import { PasswordHasher } from './password-hasher';
import { ALL_CENTRES, isStaffRole, StaffPrincipal } from './staff-principal';
import {
  CreateUserInput,
  allCentresWhereAllowed,
  hasCentreWhereNeeded,
  StaffUserDto,
  UpdateUserInput,
} from './staff-user.schemas';
import { StaffUserChange, StaffUserRepository } from './staff-user.repository';

export interface AuthenticatedStaff {
  readonly principal: StaffPrincipal;
  readonly tokenVersion: number;
}

/** Staff users: creation and changes by system administrators (each on the audit log),
 * password checks, and whether a session is still current. */
@Injectable()
export class StaffUserService {
  /** Whether a session is current, by user, token version and session id. */
  private readonly sessions: TTLCache<string, boolean>;
  /** Bumped by every change, so a lookup that overlapped one does not cache what it read. */
  private sessionGeneration = 0;

  constructor(
    private readonly repository: StaffUserRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) config: Readonly<KuzetConfig>,
  ) {
    this.sessions = new TTLCache({
      ttl: config.AUTH_SESSION_CACHE_TTL_MS,
      max: 100_000,
      checkAgeOnGet: true,
    });
  }

  async create(input: CreateUserInput, actor: string): Promise<StaffUserDto> {
    const user = {
      id: randomUUID(),
      username: input.username,
      passwordHash: await this.hasher.hash(input.password),
      roles: [...new Set(input.roles)],
      centreIds: [...new Set(input.centreIds)],
    };
    const created = await this.repository.transaction(async (manager) => {
      const inserted = await this.repository.insert(user, manager);
      if (!inserted) {
        const message = `username ${input.username} is taken`;
        throw new FieldErrorsException(
          HttpStatus.CONFLICT,
          [{ field: 'username', rule: 'conflict', message }],
          message,
        );
      }
      await this.audit.append(
        {
          actor,
          action: 'user.created',
          subjectType: 'staff-user',
          subjectId: inserted.id,
          details: {
            username: inserted.username,
            roles: inserted.roles,
            centreIds: inserted.centreIds,
          },
        },
        manager,
      );
      return inserted;
    });
    return toDto(created);
  }

  async list(): Promise<StaffUserDto[]> {
    return (await this.repository.list()).map(toDto);
  }

  async get(id: string): Promise<StaffUserDto> {
    const user = await this.repository.findById(id);
    if (!user) throw new NotFoundException(`user ${id} does not exist`);
    return toDto(user);
  }

  /** Any change ends the user's current sessions (within AUTH_SESSION_CACHE_TTL_MS). */
  async update(id: string, patch: UpdateUserInput, actor: string): Promise<StaffUserDto> {
    const change: StaffUserChange = {
      roles: patch.roles ? [...new Set(patch.roles)] : undefined,
      centreIds: patch.centreIds ? [...new Set(patch.centreIds)] : undefined,
      status: patch.status,
      passwordHash: patch.password ? await this.hasher.hash(patch.password) : undefined,
    };
    const updated = await this.repository.transaction(async (manager) => {
      const before = await this.repository.findById(id, manager);
      if (!before) throw new NotFoundException(`user ${id} does not exist`);
      const after = {
        roles: change.roles ?? before.roles,
        centreIds: change.centreIds ?? before.centreIds,
      };
      if (!hasCentreWhereNeeded(after)) {
        throw new RequestValidationException([
          {
            field: 'centre_ids',
            rule: 'centre_required',
            message: 'operators and supervisors need at least one centre',
          },
        ]);
      }
      if (!allCentresWhereAllowed(after)) {
        throw new RequestValidationException([
          {
            field: 'centre_ids',
            rule: 'all_centres_not_allowed',
            message: `${ALL_CENTRES} (every centre) stands alone and is not for operators or supervisors`,
          },
        ]);
      }
      const saved = await this.repository.update(id, withoutUndefined(change), manager);
      await this.audit.append(
        {
          actor,
          action: 'user.updated',
          subjectType: 'staff-user',
          subjectId: id,
          details: {
            username: before.username,
            roles: patch.roles ? { from: before.roles, to: after.roles } : undefined,
            centreIds: patch.centreIds
              ? { from: before.centreIds, to: after.centreIds }
              : undefined,
            status: patch.status ? { from: before.status, to: patch.status } : undefined,
            passwordChanged: patch.password ? true : undefined,
          },
        },
        manager,
      );
      return saved!;
    });
    this.forgetCachedSessions();
    return toDto(updated);
  }

  /** After a change or a sign-out: this instance checks every session afresh. */
  forgetCachedSessions(): void {
    this.sessionGeneration++;
    this.sessions.clear();
  }

  /** The user behind a username and password; the same 401 whatever was wrong. */
  async authenticate(username: string, password: string): Promise<AuthenticatedStaff> {
    const user = await this.repository.findByUsername(username);
    const matches = await this.hasher.matches(user?.passwordHash ?? null, password);
    if (!user || !matches || user.status !== 'active') {
      throw new UnauthorizedException('unknown username or wrong password');
    }
    return { principal: principalOf(user), tokenVersion: user.tokenVersion };
  }

  /** False once the user is disabled or changed after the session was issued, or the session
   * was signed out. */
  async isSessionCurrent(
    userId: string,
    tokenVersion: number,
    sessionId: string,
  ): Promise<boolean> {
    const key = `${userId}/${tokenVersion}/${sessionId}`;
    const cached = this.sessions.get(key);
    if (cached !== undefined) return cached;
    const generation = this.sessionGeneration;
    const user = await this.repository.findById(userId);
    const current =
      user !== null &&
      user.status === 'active' &&
      user.tokenVersion === tokenVersion &&
      (await this.repository.isSessionOpen(sessionId, userId));
    // a lookup that overlapped a change may have read the row before it: not cached
    if (generation === this.sessionGeneration) {
      this.sessions.set(key, current);
    }
    return current;
  }
}

function withoutUndefined(change: StaffUserChange): StaffUserChange {
  return Object.fromEntries(
    Object.entries(change).filter(([, value]) => value !== undefined),
  ) as StaffUserChange;
}

export function principalOf(user: StaffUserEntity): StaffPrincipal {
  return {
    userId: user.id,
    username: user.username,
    roles: user.roles.filter(isStaffRole),
    centreIds: user.centreIds,
  };
}

function toDto(user: StaffUserEntity): StaffUserDto {
  return {
    id: user.id,
    username: user.username,
    roles: user.roles.filter(isStaffRole),
    centre_ids: user.centreIds,
    status: user.status,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
