/**
 * Secrets the service keeps for itself when the operator configured none, so that a first start needs
 * no set-up: the HS256 secret that signs and checks JWTs (`ledger token sign` works at once), and the
 * key that signs certificates' verification codes and print links. Each is a file in the data
 * directory, created once with mode 0600 and read by the service and the CLI alike. And the operator master
 * key that wraps member keys (master-key.ts): from the environment, or on the embedded default generated
 * into the data directory on the first start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
import { privateDirectory } from './file-modes.js';
import { MasterKey, MasterKeyError, parseMasterKey } from './master-key.js';
import { fromCaller } from './paths.js';

export const jwtSecretFileName = 'jwt-secret';
export const certificateSecretFileName = 'certificate-secret';
/** 256 bits, as base64url: 43 characters, past the 32 that LEDGER_JWT_SECRET requires. */
const secretBytes = 32;
/** Owner read/write only. */
const secretFileMode = 0o600;

export interface KeptSecret {
  readonly value: string;
  /** Where it is kept; null when it came from the environment or lives only in this process. */
  readonly file: string | null;
  /** True when this call generated it. */
  readonly created: boolean;
}

/** The absolute data directory, a relative LEDGER_DATA_DIR being taken from the caller's directory. */
export function dataDirectory(config: ServerConfig): string {
  return fromCaller(config.LEDGER_DATA_DIR);
}

function inDataDirectory(config: ServerConfig, fileName: string): string {
  return join(privateDirectory(dataDirectory(config)), fileName);
}

/**
 * Reads the secret kept in `file`, or generates it there. Creation is exclusive (`wx`), so when two
 * processes start at once one writes and both read the same secret.
 */
export function keptSecret(file: string): KeptSecret {
  const generated = randomBytes(secretBytes).toString('base64url');
  try {
    writeFileSync(file, `${generated}\n`, { flag: 'wx', mode: secretFileMode });
    return { value: generated, file, created: true };
  } catch (fault) {
    if ((fault as NodeJS.ErrnoException).code !== 'EEXIST') throw fault;
  }
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`${file} can be read by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\` and start again`);
  }
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it to have a new secret generated, or set the variable instead`);
  return { value, file, created: false };
}

/**
 * The HS256 secret: LEDGER_JWT_SECRET when set; none when RS256 keys (a JWKS) are configured, since the
 * operator chose how tokens are signed; otherwise the one kept in the data directory. The memory store
 * has no data directory, so there it must be configured.
 */
export function jwtSecret(config: ServerConfig): KeptSecret | null {
  if (config.LEDGER_JWT_SECRET) return { value: config.LEDGER_JWT_SECRET, file: null, created: false };
  if (config.LEDGER_JWKS || config.LEDGER_JWKS_URL || config.LEDGER_STORE === 'memory') return null;
  return keptSecret(inDataDirectory(config, jwtSecretFileName));
}

/** The certificate key: LEDGER_CERTIFICATE_SECRET, else kept in the data directory, else (memory store) this process's own. */
export function certificateSecret(config: ServerConfig): KeptSecret {
  if (config.LEDGER_CERTIFICATE_SECRET) return { value: config.LEDGER_CERTIFICATE_SECRET, file: null, created: false };
  if (config.LEDGER_STORE === 'memory') return { value: randomBytes(secretBytes).toString('base64url'), file: null, created: true };
  return keptSecret(inDataDirectory(config, certificateSecretFileName));
}

export const masterKeyFileName = 'master-key';

export interface MasterKeySource {
  readonly key: MasterKey;
  /** Where it came from, for the start-up message. */
  readonly from: 'LEDGER_MASTER_KEY' | 'LEDGER_MASTER_KEY_FILE' | 'data directory' | 'this process';
  /** The file it is kept in, when it is one. */
  readonly file: string | null;
  /** True when this call generated it. */
  readonly created: boolean;
}

const masterKeyMissingOnEventStoreDb =
  'LEDGER_STORE=eventstoredb needs the operator master key that wraps member keys (every instance must use the same one): ' +
  'set LEDGER_MASTER_KEY to 32 random bytes as base64 or hex (`openssl rand -base64 32`), or LEDGER_MASTER_KEY_FILE to a file ' +
  'holding it, mode 0600. Keep it in a secret manager, not beside the data: whoever has both can read every member profile.';

function readMasterKeyFile(file: string, what: string): MasterKey {
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new MasterKeyError(`${what} ${file} can be read by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\` and start again`);
  }
  return new MasterKey(parseMasterKey(readFileSync(file, 'utf8'), `${what} ${file}`));
}

/**
 * The master key configured or kept, without generating one: LEDGER_MASTER_KEY, else LEDGER_MASTER_KEY_FILE,
 * else the data directory's `master-key` file when there is one. Null when there is none yet.
 */
export function configuredMasterKey(config: ServerConfig): MasterKeySource | null {
  if (config.LEDGER_MASTER_KEY) {
    return { key: new MasterKey(parseMasterKey(config.LEDGER_MASTER_KEY, 'LEDGER_MASTER_KEY')), from: 'LEDGER_MASTER_KEY', file: null, created: false };
  }
  if (config.LEDGER_MASTER_KEY_FILE) {
    const file = fromCaller(config.LEDGER_MASTER_KEY_FILE);
    if (!existsSync(file)) throw new MasterKeyError(`LEDGER_MASTER_KEY_FILE names ${file}, which does not exist; give the file that holds the master key`);
    return { key: readMasterKeyFile(file, 'LEDGER_MASTER_KEY_FILE'), from: 'LEDGER_MASTER_KEY_FILE', file, created: false };
  }
  if (config.LEDGER_STORE === 'memory') return null;
  const file = join(dataDirectory(config), masterKeyFileName);
  return existsSync(file) ? { key: readMasterKeyFile(file, 'the master key file'), from: 'data directory', file, created: false } : null;
}

/**
 * The master key member keys are wrapped under. Configured (see `configuredMasterKey`), else: with the
 * memory store, one for this process; with SQLite, one generated into the data directory (mode 0600,
 * created exclusively so two processes starting at once share it); with EventStoreDB, none — start-up
 * stops, since instances generating keys of their own could not open each other's member keys.
 */
export function masterKey(config: ServerConfig): MasterKeySource {
  const configured = configuredMasterKey(config);
  if (configured) return configured;
  if (config.LEDGER_STORE === 'memory') return { key: MasterKey.generate(), from: 'this process', file: null, created: true };
  if (config.LEDGER_STORE === 'eventstoredb') throw new MasterKeyError(masterKeyMissingOnEventStoreDb);
  const file = inDataDirectory(config, masterKeyFileName);
  const generated = MasterKey.generate();
  try {
    writeFileSync(file, `${generated.exportBase64()}\n`, { flag: 'wx', mode: secretFileMode });
    return { key: generated, from: 'data directory', file, created: true };
  } catch (fault) {
    if ((fault as NodeJS.ErrnoException).code !== 'EEXIST') throw fault;
  }
  return { key: readMasterKeyFile(file, 'the master key file'), from: 'data directory', file, created: false };
}
