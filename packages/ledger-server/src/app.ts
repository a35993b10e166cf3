/**
 * The Hono application: a small core with everything composed around it. Order of middleware:
 * metrics and request id → (under /v1) body limit → authentication → idempotency → route. Every failure,
 * wherever it is thrown, reaches `onError`, the one place that writes problem documents.
 */
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { EventStore, Ledger, ReadModels } from '@volunteer-ledger/core';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { Authenticator } from './auth.js';
import type { AppEnv } from './context.js';
import { idempotency } from './idempotency.js';
import { Metrics } from './metrics.js';
import { Problem, problemResponse, toProblem } from './problems.js';
import { communityRoutes } from './routes/communities.js';
import { memberRoutes } from './routes/members.js';
import { reportRoutes } from './routes/reports.js';
import { shopRoutes } from './routes/shop.js';
import { minPositionHeader, parseMinPosition, positionHeader, ReadSide } from './read-side.js';
import { systemRoutes } from './routes/system.js';

export interface AppDeps {
  readonly ledger: Ledger;
  readonly store: EventStore;
  /** Opened (caught up) read models. */
  readonly models: ReadModels;
  readonly authenticator: Authenticator;
  readonly idempotencyRetentionMs: number;
  readonly maxBodyBytes: number;
  /** How long a read with X-Min-Position waits for this instance's projections (default `minPositionWaitMs`). */
  readonly minPositionWaitMs?: number;
  readonly metrics?: Metrics;
  /** Where unexpected faults are reported (never to the client). */
  readonly logFault?: (fault: unknown, context: { method: string; path: string; requestId: string }) => void;
}

export interface LedgerApp {
  readonly app: OpenAPIHono<AppEnv>;
  readonly metrics: Metrics;
  readonly reads: ReadSide;
  /** Readiness turns false when shutdown begins. */
  stopAccepting(): void;
}

export const apiVersion = '1.0.0';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): LedgerApp {
  const metrics = deps.metrics ?? new Metrics();
  const logFault = deps.logFault ?? ((fault, ctx) => console.error(`[ledger] ${ctx.method} ${ctx.path} (${ctx.requestId}) failed:`, fault));
  let accepting = true;

  const app = new OpenAPIHono<AppEnv>({
    // Validation failures become problems in the one error handler, with zod's issues.
    defaultHook: (result) => {
      if (!result.success) throw Problem.fromZod(result.target === 'json' ? 'body' : result.target, result.error);
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    // Set before the response exists: setting a header afterwards makes Hono copy the response.
    c.header('x-request-id', requestId);
    metrics.requestStarted();
    try {
      await next();
    } finally {
      metrics.requestFinished(c.req.method, routePath(c, -1), c.res.status, (performance.now() - started) / 1000);
    }
  });

  app.onError((thrown, c) => {
    const { problem, fault } = toProblem(thrown);
    if (fault) logFault(thrown, { method: c.req.method, path: c.req.path, requestId: c.get('requestId') ?? '' });
    return problemResponse(problem);
  });
  app.notFound((c) => problemResponse(new Problem('route-not-found', `no route ${c.req.method} ${c.req.path}; see /openapi.json`)));

  const limitBody = bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        // The rest of the body is never read, so the connection cannot carry another request.
        throw new Problem('payload-too-large', `the body is larger than ${deps.maxBodyBytes} bytes`, {}, { connection: 'close' });
    },
  });
  // Only requests that may carry a body pay for the limit: touching the body of a GET makes the Node
  // adapter build a stream for it.
  app.use('/v1/*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));
  app.use('/v1/*', async (c, next) => {
    c.set('principal', await deps.authenticator.authenticate(c.req.header('authorization')));
    await next();
  });
  const reads = new ReadSide(deps.models, deps.minPositionWaitMs);
  // Read your writes across instances: a read may name the position of a write made elsewhere.
  app.use('/v1/*', async (c, next) => {
    const wanted = c.req.method === 'GET' || c.req.method === 'HEAD' ? c.req.header(minPositionHeader) : undefined;
    if (wanted !== undefined) {
      const position = parseMinPosition(wanted);
      // A lagging instance is expected, not a fault: answered here, so it is not logged as one.
      if (!(await reads.atLeast(position))) return problemResponse(reads.behind(position));
    }
    await next();
  });
  // A replayed command answers with the position of its first run too (its body has it; the stored headers may not).
  app.use('/v1/*', async (c, next) => {
    await next();
    if (c.req.method !== 'POST' || c.res.headers.get('idempotent-replayed') !== 'true' || c.res.headers.has(positionHeader)) return;
    if (!(c.res.headers.get('content-type') ?? '').includes('application/json')) return;
    const position = await c.res
      .clone()
      .json()
      .then((body: unknown) => (body as { position?: unknown } | null)?.position, () => undefined);
    if (typeof position === 'string') c.res.headers.set(positionHeader, position);
  });
  app.use('/v1/*', idempotency(deps.store, deps.idempotencyRetentionMs, () => deps.ledger.clock.now()));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (vlk_…) or a JWT (HS256 / RS256) with claims sub, role (admin | organiser | member) and community',
  });

  const routeDeps = { ledger: deps.ledger, metrics, reads };
  communityRoutes(app, routeDeps);
  memberRoutes(app, routeDeps);
  shopRoutes(app, routeDeps);
  reportRoutes(app, routeDeps);
  systemRoutes(app, { store: deps.store, metrics, isAccepting: () => accepting });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Volunteer ledger (志愿服务积分账本)',
      version: apiVersion,
      description:
        'Event-sourced ledger for community volunteer hours and points. Errors are RFC 9457 problem documents ' +
        '(application/problem+json) with a stable `type` per code. Every POST honours Idempotency-Key.',
    },
  });

  return {
    app,
    metrics,
    reads,
    stopAccepting() {
      accepting = false;
    },
  };
}
