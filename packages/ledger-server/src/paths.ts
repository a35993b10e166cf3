/**
 * Relative paths given to the CLI or in LEDGER_DATA_DIR mean "from where I typed the command". pnpm
 * (`pnpm --filter … ledger`) and npm run scripts in the package's directory, but say where they were
 * called from in INIT_CWD, so that is the base when set.
 */
import { resolve } from 'node:path';

export function callerDirectory(): string {
  return process.env.INIT_CWD || process.cwd();
}

/** `path` made absolute against the caller's directory (an absolute path is returned as it is). */
export function fromCaller(path: string): string {
  return resolve(callerDirectory(), path);
}
