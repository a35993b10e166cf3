/**
 * The OpenAPI document without a running service, for `pnpm openapi:generate` (which writes
 * openapi/openapi.json and the typed client's types) and for the tests that check them.
 */
import { createApp } from './app.js';
import { createAuthenticator } from './auth.js';
import { configFrom } from './config.js';
import { openRuntime } from './runtime.js';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = configFrom({ LEDGER_STORE: 'memory', LEDGER_JOBS_INTERVAL_SECONDS: '0' });
  const runtime = await openRuntime(config);
  try {
    const app = createApp({
      ledger: runtime.ledger,
      store: runtime.store,
      models: await runtime.openReadModels(),
      authenticator: createAuthenticator(runtime.config, runtime.credentials),
      maxBodyBytes: config.LEDGER_MAX_BODY_BYTES,
    });
    return app.openApiDocument();
  } finally {
    await runtime.close();
  }
}

/** The document as committed: two-space JSON with a final newline. */
export const documentText = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;
