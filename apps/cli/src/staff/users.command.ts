import { Command } from 'commander';
import { createUserSchema, StaffUserService } from '@kuzet/auth';
import { zodFieldErrors } from '@kuzet/http';
import { EMBEDDED_OPTION_HELP, withDatabase } from './database-context';

interface CreateAdminOptions {
  readonly username: string;
  readonly password?: string;
  readonly embedded?: boolean;
}

export function registerUserCommands(program: Command): Command {
  const users = program.command('users').description('Staff users');
  users
    .command('create-admin')
    .description(
      'Create a system administrator (who then creates the other users with POST /v1/users)',
    )
    .requiredOption('--username <name>', 'the new administrator’s username')
    .option(
      '--password <password>',
      'at least 12 characters; or set KUZET_ADMIN_PASSWORD to keep it out of the shell history',
    )
    .option('--embedded', EMBEDDED_OPTION_HELP)
    .action(async (options: CreateAdminOptions) => {
      const parsed = createUserSchema.safeParse({
        username: options.username,
        password: options.password ?? process.env.KUZET_ADMIN_PASSWORD,
        roles: ['system-admin'],
      });
      if (!parsed.success) {
        const problems = zodFieldErrors(parsed.error).map((e) => `${e.field}: ${e.message}`);
        throw new Error(`cannot create the administrator: ${problems.join('; ')}`);
      }
      const created = await withDatabase(options, (context) =>
        context.get(StaffUserService).create(parsed.data, 'cli'),
      );
      process.stdout.write(`${JSON.stringify(created)}\n`);
    });
  return users;
}
