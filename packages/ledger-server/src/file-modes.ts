/**
 * Every data file and directory the service creates is private to the user it runs as: files 0600,
 * directories 0700. Files kept from older versions (which left SQLite files 0644) are tightened when
 * opened. SQLite gives its `-wal` and `-shm` files the mode of the database file, so restricting the
 * database file before SQLite opens it covers them too.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Owner read/write only. */
export const privateFileMode = 0o600;
/** Owner only. */
export const privateDirectoryMode = 0o700;
const sqliteCompanions = ['-wal', '-shm', '-journal'] as const;
const isPosix = process.platform !== 'win32';

/** Creates `dir` (and missing parents) with mode 0700; an existing directory is left as its owner set it. */
export function privateDirectory(dir: string): string {
  const created = mkdirSync(dir, { recursive: true, mode: privateDirectoryMode });
  // The umask can only remove bits, but say it once more for the directory itself.
  if (created !== undefined && isPosix) chmodSync(dir, privateDirectoryMode);
  return dir;
}

/** Makes sure `file` exists with mode 0600 before anything writes to it (no window where it is readable by others). */
export function restrictFile(file: string): string {
  if (!existsSync(file)) closeSync(openSync(file, 'a', privateFileMode));
  if (isPosix) chmodSync(file, privateFileMode);
  return file;
}

/** `restrictFile` for a SQLite database, and its companion files when an older version left them behind. */
export function restrictSqliteFile(file: string): string {
  restrictFile(file);
  if (isPosix) for (const suffix of sqliteCompanions) if (existsSync(file + suffix)) chmodSync(file + suffix, privateFileMode);
  return file;
}
