import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_AUDIT_CHAIN_KEYS } from './staff';

const KUZET_CLI = resolve(__dirname, '../../bin/kuzet.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npx kuzet <args>` from the sources, with the given environment added (and the test apps'
 * audit chain key unless it says otherwise). */
export async function kuzet(args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [KUZET_CLI, ...args], {
      env: { ...process.env, AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
