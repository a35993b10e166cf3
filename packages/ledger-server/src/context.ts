import type { Principal } from './auth.js';

/** Per-request values set by middleware. */
export interface AppEnv {
  Variables: {
    principal: Principal;
    /** The client's Idempotency-Key (unscoped), passed on to `ledger.execute` so events carry it. */
    idempotencyKey: string | undefined;
    requestId: string;
  };
}
