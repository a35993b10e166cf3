/**
 * Configuration comes from the environment only, validated once at start-up. A bad value stops the
 * service with a message naming the variable, what it got and what it expects.
 */
import { z } from 'zod';

const positiveInt = (name: string, fallback: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must not be negative`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);

export const configSchema = z
  .object({
    LEDGER_STORE: z.enum(['sqlite', 'eventstoredb', 'memory'], { error: 'LEDGER_STORE must be sqlite, eventstoredb or memory' }).default('sqlite'),
    /** SQLite event store, credentials and member keys live here (keys never go into the event store). */
    LEDGER_DATA_DIR: z.string().min(1).default('.data'),
    LEDGER_ESDB_CONNECTION_STRING: z.string().optional(),
    LEDGER_HOST: z.string().min(1).default('127.0.0.1'),
    /** `PORT`, the platforms' convention, is read when this is unset (see `loadConfig`). */
    LEDGER_PORT: positiveInt('LEDGER_PORT', 8080, 65_535),
    /**
     * HS256 shared secret for embedding apps' JWTs: at least 32 bytes. Unset (and no JWKS), the service
     * generates one and keeps it in the data directory (`jwt-secret`, mode 0600): see secrets.ts.
     */
    LEDGER_JWT_SECRET: z.string().min(32, 'LEDGER_JWT_SECRET must be at least 32 characters (use a random 256-bit secret)').optional(),
    /** Signs certificates' verification codes and print links; kept in the data directory when unset. */
    LEDGER_CERTIFICATE_SECRET: z.string().min(32, 'LEDGER_CERTIFICATE_SECRET must be at least 32 characters (use a random 256-bit secret)').optional(),
    /**
     * The operator master key that wraps every member key (32 bytes, base64 or hex): required on
     * EventStoreDB (the same on every instance); on SQLite, generated into the data directory when unset.
     */
    LEDGER_MASTER_KEY: z.string().optional(),
    /** A file holding the master key instead (mode 0600). */
    LEDGER_MASTER_KEY_FILE: z.string().optional(),
    /** Where the public reaches the service (for certificates' QR codes and links), e.g. https://ledger.example.org; else the request's own origin. */
    LEDGER_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: 'LEDGER_PUBLIC_URL must be an http(s) URL, like https://ledger.example.org' })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** RS256 public keys: a JWKS as JSON text, or a path to a JSON file. */
    LEDGER_JWKS: z.string().optional(),
    /** RS256 public keys fetched (and cached) from a JWKS URL. */
    LEDGER_JWKS_URL: z.url({ error: 'LEDGER_JWKS_URL must be a URL' }).optional(),
    LEDGER_JWT_ISSUER: z.string().optional(),
    LEDGER_JWT_AUDIENCE: z.string().optional(),
    /** How long a completed Idempotency-Key is remembered. */
    LEDGER_IDEMPOTENCY_RETENTION_HOURS: positiveInt('LEDGER_IDEMPOTENCY_RETENTION_HOURS', 24, 24 * 30),
    /** Expiry and recovery run this often inside the service; 0 turns the scheduler off. */
    LEDGER_JOBS_INTERVAL_SECONDS: positiveInt('LEDGER_JOBS_INTERVAL_SECONDS', 60, 86_400),
    LEDGER_MAX_BODY_BYTES: positiveInt('LEDGER_MAX_BODY_BYTES', 64 * 1024, 16 * 1024 * 1024),
    /** How long shutdown waits for in-flight requests before closing connections. */
    LEDGER_SHUTDOWN_TIMEOUT_MS: positiveInt('LEDGER_SHUTDOWN_TIMEOUT_MS', 10_000, 600_000),
    LEDGER_LOG_REQUESTS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.LEDGER_STORE === 'eventstoredb' && !env.LEDGER_ESDB_CONNECTION_STRING) {
      ctx.addIssue({
        code: 'custom',
        path: ['LEDGER_ESDB_CONNECTION_STRING'],
        message: 'LEDGER_STORE=eventstoredb needs LEDGER_ESDB_CONNECTION_STRING, e.g. esdb://localhost:2113?tls=false',
      });
    }
    if (env.LEDGER_MASTER_KEY && env.LEDGER_MASTER_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['LEDGER_MASTER_KEY'], message: 'set LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE, not both' });
    }
    if (env.LEDGER_JWKS && env.LEDGER_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['LEDGER_JWKS'], message: 'set LEDGER_JWKS or LEDGER_JWKS_URL, not both' });
    }
  });

export type ServerConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Only LEDGER_* variables are read, and `PORT` (which hosting platforms set) when LEDGER_PORT is not:
 * LEDGER_PORT wins. Anything else in the environment is ignored.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('LEDGER_') && v !== undefined && v !== ''));
  const portFromPort = relevant.LEDGER_PORT === undefined && env.PORT !== undefined && env.PORT !== '';
  if (portFromPort) relevant.LEDGER_PORT = env.PORT;
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? 'environment');
      const name = field === 'LEDGER_PORT' && portFromPort ? 'PORT' : field;
      const got = relevant[field];
      // Secrets are never echoed back.
      const shown = got === undefined ? 'unset' : /SECRET|JWKS$|MASTER_KEY$/.test(name) ? '(hidden)' : JSON.stringify(got);
      return `  ${name} (${shown}): ${issue.message.replace('LEDGER_PORT', name)}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A config for tests and embedding: defaults plus overrides. */
export function configFrom(overrides: Partial<Record<keyof z.input<typeof configSchema>, string>>): ServerConfig {
  return loadConfig(overrides);
}
