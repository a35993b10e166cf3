/**
 * Pieces every route group uses: path parameters, the problem and outcome schemas for the OpenAPI
 * document, and `commandEndpoint`, which turns one core command schema into one POST route. The body
 * schema is the command's own schema less the fields the URL supplies, so validation, the handler's
 * input and the OpenAPI description all come from the schema the core validates with.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { calendarDatePattern, type CommandInput, type CommandOutcome, type CommunityState, commandSchemas, idSchema, type Ledger, streamNames } from '@volunteer-ledger/core';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { CertificateSigner } from '../certificates.js';
import type { AppEnv } from '../context.js';
import type { Metrics } from '../metrics.js';
import { type CommandDoc, commandDocs, type HttpCommandType, operationIdOf } from '../openapi-examples.js';
import { minPositionHeader, positionHeader, type ReadSide } from '../read-side.js';
import { allProblemCodes, Problem, problemType } from '../problems.js';

export interface RouteDeps {
  readonly ledger: Ledger;
  readonly metrics: Metrics;
  readonly reads: ReadSide;
  /** Signs certificates' verification codes and print links. */
  readonly certificates: CertificateSigner;
  /** LEDGER_PUBLIC_URL: the origin the public reaches the service at, for links and QR codes. */
  readonly publicUrl: string | undefined;
}

export type App = OpenAPIHono<AppEnv>;

/** The community as the read models know it, caught up with this process's writes; 404 when there is no such community. */
export async function communityModel(reads: ReadSide, communityId: string): Promise<CommunityState> {
  const community = await (await reads.fresh()).community(communityId);
  if (!community) throw new Problem('not-found', `community ${communityId} does not exist`);
  return community;
}

/** Headers every read accepts: read your writes across instances. */
export const readHeaders = z.object({
  [minPositionHeader]: z
    .string()
    .optional()
    .describe(
      'The X-Ledger-Position a write answered with (possibly on another instance): the read waits until this instance has folded that far, else 503 with Retry-After',
    ),
});

export const communityParams = z.object({ communityId: idSchema });
export const memberParams = z.object({ communityId: idSchema, memberId: idSchema });
export const recordParams = z.object({ communityId: idSchema, memberId: idSchema, recordId: idSchema });
export const itemParams = z.object({ communityId: idSchema, itemId: idSchema });
export const redemptionParams = z.object({ communityId: idSchema, redemptionId: idSchema });
export const activityParams = z.object({ communityId: idSchema, activityId: idSchema });
export const requestParams = z.object({ communityId: idSchema, requestId: idSchema });
export const wishParams = z.object({ communityId: idSchema, wishId: idSchema });
/** A page of a list in the order things began: `after` is the previous page's `nextAfter`. */
export const pageQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** A calendar period for reports, in the community's time zone. */
export const periodQuery = z.object({
  from: z.string().regex(calendarDatePattern, 'a date like 2026-01-01'),
  to: z.string().regex(calendarDatePattern, 'a date like 2026-12-31'),
});

export const problemSchema = z
  .object({
    type: z.string().describe(`one of ${allProblemCodes.map((c) => problemType(c)).join(', ')}`),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(allProblemCodes as [string, ...string[]]),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), code: z.string(), message: z.string() })).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** The refusals any authenticated route may answer with. */
export const problemResponses = {
  400: problem('The request is malformed (zod issues in `issues`)'),
  401: problem('No or an invalid credential'),
  403: problem('The credential may not do this'),
  404: problem('No such community, member or record'),
} as const;

/** The refusals of a read, with the one X-Min-Position adds. */
export const readProblemResponses = {
  ...problemResponses,
  503: problem("This instance's read models have not reached X-Min-Position in time; retry after Retry-After seconds"),
} as const;

export const commandProblemResponses = {
  ...problemResponses,
  409: problem('Conflicts with the current state, or the same Idempotency-Key is still in flight'),
  412: problem('If-Match does not hold: the account changed since it was read'),
  413: problem('The body is too large'),
  415: problem('The body is not application/json'),
  422: problem('A ledger rule refused it, or the Idempotency-Key was used with another request'),
} as const;

export const outcomeSchema = z
  .object({
    streamName: z.string(),
    revision: z.union([z.number().int(), z.literal('no_stream')]),
    position: z.string().nullable().describe('global position of the last event appended; null when nothing changed'),
    events: z.array(
      z.object({
        streamName: z.string().optional().describe("the event's stream, when a process's outcome gathers events of several streams"),
        eventId: z.string(),
        type: z.string(),
        revision: z.number().int(),
        data: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi('CommandOutcome');

export type OutcomeView = z.output<typeof outcomeSchema>;

export function outcomeView(outcome: CommandOutcome): OutcomeView {
  return {
    streamName: outcome.streamName,
    revision: outcome.revision,
    position: outcome.position,
    events: outcome.events.map((e) => ({ ...(e.streamName === undefined ? {} : { streamName: e.streamName }), eventId: e.eventId, type: e.type, revision: e.revision, data: e.data })),
  };
}

export const commandHeaders = z.object({
  'idempotency-key': z.string().optional().describe('Makes a retried POST safe: see the idempotency section of the README'),
  'if-match': z.string().optional().describe('ETag of the account, from GET; the command is refused with 412 if it changed'),
});

export const security = [{ bearer: [] }];

type UrlField = 'communityId' | 'memberId' | 'recordId' | 'categoryId' | 'itemId' | 'redemptionId' | 'activityId' | 'requestId' | 'wishId';

export interface CommandEndpoint<T extends HttpCommandType> {
  readonly type: T;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  /** Fields taken from the path, not the body. */
  readonly fromUrl: readonly UrlField[];
  readonly params: z.ZodObject;
  readonly created?: boolean;
}

export const etagOf = (revision: number) => `"${revision}"`;

/** Parses an If-Match list and says whether it matches the current revision (`*`: any existing). */
export function ifMatchHolds(header: string, revision: number): boolean {
  if (header.trim() === '*') return revision >= 0;
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => !tag.startsWith('W/') && tag === etagOf(revision));
}

/**
 * The account revision If-Match names, or undefined without the header. The ledger then decides and
 * appends only at exactly that revision, so no other request can slip in between check and append.
 */
async function checkIfMatch(c: Context<AppEnv>, ledger: Ledger, communityId: string, memberId: string | undefined): Promise<number | undefined> {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  if (memberId === undefined) throw new Problem('validation', 'If-Match is accepted only on commands against a member account');
  const { revision } = await ledger.member(communityId, memberId);
  if (!ifMatchHolds(header, revision)) {
    throw new Problem('precondition-failed', `the account ${memberId} is at ETag ${revision < 0 ? '(none: no such account)' : etagOf(revision)}, not ${header}; read it again and retry`, {
      currentEtag: revision < 0 ? null : etagOf(revision),
    });
  }
  return revision;
}

/**
 * A header of a successful answer. Served by Node it goes straight onto Node's response, as the request id
 * does (app.ts): a header set through Hono before the response exists makes Hono build a WHATWG `Headers`
 * object, copy it into the response and the Node adapter copy it out again (a tenth of a POST's own work).
 * Set only once nothing can fail any more, so a problem document never carries it. Elsewhere (app.request in
 * tests, other runtimes) through Hono.
 */
export function answerHeader(c: Context<AppEnv>, name: string, value: string): void {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/**
 * Hands a command to the ledger, which parses, authorises, claims the Idempotency-Key and decides; a repeated
 * key gets the first outcome back (same status and body), to be marked with `Idempotent-Replayed: true`.
 */
export async function execute(
  c: Context<AppEnv>,
  deps: RouteDeps,
  command: { type: string; communityId: string; memberId?: string },
  expectedRevision?: number,
): Promise<{ outcome: CommandOutcome; replayed: boolean }> {
  const idempotencyKey = c.get('idempotencyKey');
  const result = await deps.ledger.execute(command as CommandInput, {
    actor: c.get('principal').actor,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    correlationId: c.get('requestId'),
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
  });
  deps.metrics.command(command.type, result.ok ? 'ok' : result.error.code);
  // A process refused part-way records its end, so any outcome may have written.
  deps.reads.noteWrite();
  if (!result.ok) throw Problem.fromDomain(result.error);
  return { outcome: result.value, replayed: idempotencyKey !== undefined && result.value.replayed === true };
}

/**
 * The same path parameters, each with this operation's example (from the command's entry in
 * openapi-examples.ts). Through zod's own `.meta()`, not `.openapi()`: the core's schemas may be created
 * before @hono/zod-openapi extends zod, and then have no `.openapi()`.
 */
function withParamExamples(params: z.ZodObject, examples: Readonly<Record<string, string>>): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(params.shape).map(([name, schema]) => [name, examples[name] === undefined ? schema : (schema as z.ZodType).meta({ param: { example: examples[name] } })])));
}

/**
 * One POST route for one core command. The operation is documented generically from the command's entry
 * in openapi-examples.ts: operationId from the command type, description, path parameter examples and
 * named request body examples.
 */
export function commandEndpoint<T extends HttpCommandType>(app: App, deps: RouteDeps, endpoint: CommandEndpoint<T>): void {
  const doc: CommandDoc<HttpCommandType> = commandDocs[endpoint.type];
  const mask = Object.fromEntries([['type', true], ...endpoint.fromUrl.map((f) => [f, true])]) as Record<string, true>;
  const body = (commandSchemas[endpoint.type] as z.ZodObject).omit(mask);
  const carriedOut = {
    description: 'The command was carried out; its events',
    headers: z.object({
      [positionHeader]: z.string().optional().describe('Global position the write reached: send it as X-Min-Position to read it back from any instance'),
    }),
    content: { 'application/json': { schema: outcomeSchema } },
  };
  const request = {
    params: withParamExamples(endpoint.params, doc.params ?? {}),
    headers: commandHeaders,
    body: {
      required: true,
      description: `The \`${endpoint.type}\` command's fields${endpoint.fromUrl.length > 0 ? `, less those the path carries (${endpoint.fromUrl.join(', ')})` : ''}`,
      content: { 'application/json': { schema: body, examples: Object.fromEntries(Object.entries(doc.examples).map(([name, { summary, value }]) => [name, { summary, value }])) } },
    },
  };
  const described = {
    method: 'post' as const,
    path: endpoint.path,
    operationId: operationIdOf(endpoint.type),
    tags: [endpoint.tag],
    summary: endpoint.summary,
    description: `${doc.description}\n\nCarries out the ledger command \`${endpoint.type}\`.`,
    security,
    request,
  };

  async function run(c: Context<AppEnv>, params: Record<string, string>, input: Record<string, unknown>): Promise<OutcomeView> {
    const communityId = params.communityId ?? String(input.communityId);
    const memberId = params.memberId;
    const expectedRevision = await checkIfMatch(c, deps.ledger, communityId, memberId);
    // The body's fields, then the path's (which win), the type and the community. Not one object literal of
    // spreads: on Node 20 a literal spreading two objects costs ~2-3 µs, Object.assign ~0.1 µs. The body is
    // zod's output for the command's strict schema: only the schema's own fields (no `__proto__` for assign to set).
    const command = Object.assign({}, input, params, { type: endpoint.type, communityId }) as { type: string; communityId: string; memberId?: string };
    if (memberId) command.memberId = memberId;
    const { outcome, replayed } = await execute(c, deps, command, expectedRevision);
    const view = outcomeView(outcome);
    if (replayed) answerHeader(c, 'idempotent-replayed', 'true');
    if (outcome.position !== null) answerHeader(c, positionHeader, outcome.position);
    if (memberId && typeof outcome.revision === 'number' && outcome.streamName === streamNames.member(communityId, memberId)) {
      answerHeader(c, 'etag', etagOf(outcome.revision));
    }
    return view;
  }

  if (endpoint.created) {
    app.openapi(createRoute({ ...described, responses: { 201: carriedOut, ...commandProblemResponses } }), async (c) =>
      c.json(await run(c, c.req.valid('param') as Record<string, string>, c.req.valid('json') as Record<string, unknown>), 201),
    );
  } else {
    app.openapi(createRoute({ ...described, responses: { 200: carriedOut, ...commandProblemResponses } }), async (c) =>
      c.json(await run(c, c.req.valid('param') as Record<string, string>, c.req.valid('json') as Record<string, unknown>), 200),
    );
  }
}
