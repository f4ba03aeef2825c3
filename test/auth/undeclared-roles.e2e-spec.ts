import { Controller, Get, Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Roles, STAFF_ROLES } from '@kuzet/auth';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';

/** An endpoint that forgot its @Roles, and one that declares a role: production has none of
 * the first kind (test/auth/role-matrix checks every route declares its access), so only this
 * planted one runs the guard's "no roles declared → 403" path. */
@Controller('test-guard')
class PlantedController {
  @Get('undeclared')
  undeclared(): { ok: true } {
    return { ok: true };
  }

  @Roles('auditor')
  @Get('auditors')
  auditors(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [PlantedController] })
class PlantedModule {}

describe('the staff guard denies by default', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([PlantedModule], { DATABASE_URL: database.url }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 403 to every role on an endpoint that declares none, 401 without a session', async () => {
    const get = (url: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url, headers });
    expect((await get('/test-guard/undeclared')).statusCode).toBe(401);
    const admin = await signInAs(app, ['system-admin']);
    const undeclared = await get('/test-guard/undeclared', admin.headers);
    expect({ status: undeclared.statusCode, body: undeclared.body }).toEqual({
      status: 403,
      body: expect.stringContaining('declares no role'),
    });
    for (const role of STAFF_ROLES) {
      const staff = await signInAs(app, [role]);
      expect({
        role,
        status: (await get('/test-guard/undeclared', staff.headers)).statusCode,
      }).toEqual({
        role,
        status: 403,
      });
      // the same session passes where its role is declared: the 403 above is the missing @Roles
      expect({
        role,
        status: (await get('/test-guard/auditors', staff.headers)).statusCode,
      }).toEqual({
        role,
        status: role === 'auditor' ? 200 : 403,
      });
    }
  });
});
