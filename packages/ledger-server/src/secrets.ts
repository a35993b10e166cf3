/**
 * Secrets the service keeps for itself when the operator configured none, so that a first start needs
 * no set-up: the HS256 secret that signs and checks JWTs (`ledger token sign` works at once), and the
 * key that signs certificates' verification codes and print links. Each is a file in the data
 * directory, created once with mode 0600 and read by the service and the CLI alike.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
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
  const dir = dataDirectory(config);
  mkdirSync(dir, { recursive: true });
  return join(dir, fileName);
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
