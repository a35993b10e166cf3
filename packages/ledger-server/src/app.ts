/**
 * The Hono application: a small core with everything composed around it. Order of middleware:
 * metrics, request id and Host → (under /v1) body limit → authentication → X-Min-Position → Idempotency-Key
 * header → route. Every failure,
 * wherever it is thrown, reaches `onError`, the one place that writes problem documents.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { EventStore, Ledger, ReadModels } from '@volunteer-ledger/core';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { Authenticator } from './auth.js';
import type { AppEnv } from './context.js';
import { CertificateSigner } from './certificates.js';
import { parseIdempotencyKey } from './idempotency.js';
import { allowedMethodsOf } from './allowed-methods.js';
import { leanValidation } from './lean-validation.js';
import { Metrics } from './metrics.js';
import { MemoizedRouter } from './router.js';
import { completeDocument } from './openapi-document.js';
import { Problem, problemResponse, toProblem } from './problems.js';
import { activityRoutes } from './routes/activities.js';
import { certificateRoutes } from './routes/certificates.js';
import { communityRoutes } from './routes/communities.js';
import { memberRoutes } from './routes/members.js';
import { reportRoutes } from './routes/reports.js';
import { serviceRequestRoutes } from './routes/service-requests.js';
import { shopRoutes } from './routes/shop.js';
import { wishRoutes } from './routes/wishes.js';
import { minPositionHeader, parseMinPosition, positionHeader, ReadSide } from './read-side.js';
import { systemRoutes } from './routes/system.js';
import { SqliteSessionStore, type SessionStore, uiApp } from './ui/index.js';

export interface AppDeps {
  readonly ledger: Ledger;
  readonly store: EventStore;
  /** Opened (caught up) read models. */
  readonly models: ReadModels;
  readonly authenticator: Authenticator;
  readonly maxBodyBytes: number;
  /** How long a read with X-Min-Position waits for this instance's projections (default `minPositionWaitMs`). */
  readonly minPositionWaitMs?: number;
  readonly metrics?: Metrics;
  /** Signs certificates' verification codes and print links (secrets.ts); a fresh key for this app when absent. */
  readonly certificateSecret?: string;
  /** LEDGER_PUBLIC_URL: where the public reaches the service; the request's origin when absent. */
  readonly publicUrl?: string;
  /** Browser sessions and sign-in cards of the pages (ui/sessions.ts); in memory when absent. */
  readonly sessions?: SessionStore;
  /** Where unexpected faults are reported (never to the client). */
  readonly logFault?: (fault: unknown, context: { method: string; path: string; requestId: string }) => void;
}

export interface LedgerApp {
  readonly app: OpenAPIHono<AppEnv>;
  readonly metrics: Metrics;
  readonly reads: ReadSide;
  /** The OpenAPI document served at /openapi.json (built once). */
  openApiDocument(): Record<string, unknown>;
  /** Readiness turns false when shutdown begins. */
  stopAccepting(): void;
}

export const apiVersion = '1.0.0';

const apiInfo = {
  title: 'Volunteer ledger (志愿服务积分账本)',
  version: apiVersion,
  description: [
    'Event-sourced ledger for community volunteer hours and points (志愿服务积分): residents serve, organisers approve the hours, the hours earn points by a versioned policy, and points are spent at the rewards shop (积分超市), given to neighbours or donated.',
    '',
    '**Credentials.** Every `/v1` call sends `Authorization: Bearer <credential>`: an API key (`vlk_…`, made with `ledger admin-key create`) for machines, or a JWT for a member app. ' +
      'A member app\'s backend signs, for each signed-in resident, an HS256 token with claims `sub` (their member id), `role` (`member`, `organiser` or `admin`) and `community`, with the secret the service keeps in its data directory (`jwt-secret`) or `LEDGER_JWT_SECRET`; `ledger token sign` makes one to try things.',
    '',
    '**Errors** are RFC 9457 problem documents (`application/problem+json`) with a stable `type` per code. **Every POST honours `Idempotency-Key`**: a repeat returns the first answer.',
    '',
    'The examples form one journey — 阳光社区 registers, 张伟 serves, 王芳 organises, the shop lists rice and a haircut — and succeed when tried in the order of the operations below on a new service with an admin key.',
  ].join('\n'),
  contact: { name: 'Volunteer ledger maintainers' },
  license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
};

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): LedgerApp {
  const metrics = deps.metrics ?? new Metrics();
  const logFault = deps.logFault ?? ((fault, ctx) => console.error(`[ledger] ${ctx.method} ${ctx.path} (${ctx.requestId}) failed:`, fault));
  let accepting = true;

  const app = new OpenAPIHono<AppEnv>({
    router: new MemoizedRouter(),
    // Validation failures become problems in the one error handler, with zod's issues.
    defaultHook: (result) => {
      if (!result.success) throw Problem.fromZod(result.target === 'json' ? 'body' : result.target, result.error);
    },
  });

  // Routes added from here on validate at run time without the work that cannot refuse anything.
  leanValidation(app);

  // One middleware for every request (request id, metrics, Host), one for every /v1 call (body size,
  // credential, read-your-writes, Idempotency-Key): each layer of Hono's chain is a closure call and a
  // promise per request, so the steps are plain calls in the order they always had.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    // Served by Node, the header goes straight onto Node's response, so every answer carries it (problems too)
    // and a handler may answer with plain header objects: Hono keeps headers set before the response exists
    // in a WHATWG Headers object, copied again at the end (a tenth of a small read). Elsewhere (app.request
    // in tests, other runtimes) through Hono, before the response exists (afterwards Hono copies the response).
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) outgoing.setHeader('x-request-id', requestId);
    else c.header('x-request-id', requestId);
    metrics.requestStarted();
    try {
      const httpVersion = (c.env as { incoming?: { httpVersion?: string } } | undefined)?.incoming?.httpVersion;
      if (!c.req.header('host') && httpVersion !== '1.0') throw new Problem('validation', 'the request has no Host header; HTTP/1.1 requires one (RFC 9112 §3.2), e.g. "Host: 127.0.0.1:8080"');
      await next();
    } finally {
      metrics.requestFinished(c.req.method, routePath(c, -1), c.res.status, (performance.now() - started) / 1000);
    }
  });

  app.onError((thrown, c) => {
    const { problem, fault } = toProblem(thrown, { contentType: c.req.header('content-type') });
    if (fault) logFault(thrown, { method: c.req.method, path: c.req.path, requestId: c.get('requestId') ?? '' });
    return problemResponse(problem);
  });
  const allowedMethods = allowedMethodsOf(() => app.routes);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    // A route of this method matched but found nothing (an unknown asset): that is a plain 404.
    if (allowed.length === 0 || allowed.includes(c.req.method)) return problemResponse(new Problem('route-not-found', `no route ${c.req.method} ${c.req.path}; see /openapi.json`));
    return problemResponse(
      new Problem('method-not-allowed', `${c.req.path} does not answer ${c.req.method}; it answers ${allowed.join(', ')} (see /openapi.json)`, { allowed }, { allow: allowed.join(', ') }),
    );
  });

  const tooLarge = (): never => {
    // The rest of the body is never read, so the connection cannot carry another request.
    throw new Problem('payload-too-large', `the body is larger than ${deps.maxBodyBytes} bytes`, {}, { connection: 'close' });
  };
  const limitBody = { onError: tooLarge, check: bodyLimit({ maxSize: deps.maxBodyBytes, onError: tooLarge }) };
  const reads = new ReadSide(deps.models, deps.minPositionWaitMs);
  app.use('/v1/*', async (c, next) => {
    const method = c.req.method;
    const reading = method === 'GET' || method === 'HEAD';
    // Only requests that may carry a body pay for the limit: touching the body of a GET makes the Node
    // adapter build a stream for it. A body with Content-Length (and no Transfer-Encoding) is judged by the
    // header alone, as `bodyLimit` would, but without touching `c.req.raw.body`: that builds a web Request
    // and a stream over the socket, while the adapter reads the body straight into a buffer when the
    // validator asks for it (Node's parser reads exactly Content-Length bytes, no more). Other bodies are
    // counted by `bodyLimit` as they are read, after the checks below.
    let countBody = false;
    if (!reading) {
      const length = c.req.header('content-length');
      if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
        if (Number.parseInt(length, 10) > deps.maxBodyBytes) limitBody.onError();
      } else countBody = true;
    }
    c.set('principal', await deps.authenticator.authenticate(c.req.header('authorization')));
    // Read your writes across instances: a read may name the position of a write made elsewhere.
    const wanted = reading ? c.req.header(minPositionHeader) : undefined;
    if (wanted !== undefined) {
      const position = parseMinPosition(wanted);
      // A lagging instance is expected, not a fault: answered here, so it is not logged as one.
      if (!(await reads.atLeast(position))) return problemResponse(reads.behind(position));
    }
    // Idempotency-Key on a POST: a malformed one is refused before anything happens (idempotency.ts).
    const idempotencyKey = method === 'POST' ? c.req.header('idempotency-key') : undefined;
    if (idempotencyKey !== undefined) c.set('idempotencyKey', parseIdempotencyKey(idempotencyKey));
    if (countBody) return limitBody.check(c, next);
    await next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (vlk_…) or a JWT (HS256 / RS256) with claims sub, role (admin | organiser | member) and community',
  });

  const routeDeps = {
    ledger: deps.ledger,
    metrics,
    reads,
    certificates: new CertificateSigner(deps.certificateSecret ?? randomBytes(32).toString('base64url')),
    publicUrl: deps.publicUrl,
  };
  communityRoutes(app, routeDeps);
  memberRoutes(app, routeDeps);
  certificateRoutes(app, routeDeps);
  shopRoutes(app, routeDeps);
  reportRoutes(app, routeDeps);
  activityRoutes(app, routeDeps);
  serviceRequestRoutes(app, routeDeps);
  wishRoutes(app, routeDeps);
  systemRoutes(app, { store: deps.store, metrics, isAccepting: () => accepting });
  // The pages for residents (/app) and organisers (/console): the same commands and read rules as the API.
  app.route('/', uiApp({ ...routeDeps, authenticator: deps.authenticator, sessions: deps.sessions ?? SqliteSessionStore.open(':memory:') }));

  let document: Record<string, unknown> | null = null;
  let documentText: string | null = null;
  const openApiDocument = () =>
    (document ??= completeDocument(app.getOpenAPI31Document({ openapi: '3.1.0', info: apiInfo }) as unknown as Record<string, unknown>, { publicUrl: deps.publicUrl }));
  app.get('/openapi.json', (c) => {
    documentText ??= JSON.stringify(openApiDocument());
    return c.body(documentText, 200, { 'content-type': 'application/json; charset=utf-8' });
  });

  return {
    app,
    metrics,
    reads,
    openApiDocument,
    stopAccepting() {
      accepting = false;
    },
  };
}
