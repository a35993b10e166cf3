/**
 * Pieces every route group uses: path parameters, the problem and outcome schemas for the OpenAPI
 * document, and `commandEndpoint`, which turns one core command schema into one POST route. The body
 * schema is the command's own schema less the fields the URL supplies, so validation, the handler's
 * input and the OpenAPI description all come from the schema the core validates with.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { calendarDatePattern, type CommandOutcome, type CommandType, type CommunityState, commandSchemas, idSchema, type Ledger, streamNames } from '@volunteer-ledger/core';
import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import type { Metrics } from '../metrics.js';
import { minPositionHeader, positionHeader, type ReadSide } from '../read-side.js';
import { allProblemCodes, Problem, problemType } from '../problems.js';

export interface RouteDeps {
  readonly ledger: Ledger;
  readonly metrics: Metrics;
  readonly reads: ReadSide;
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
    events: z.array(z.object({ eventId: z.string(), type: z.string(), revision: z.number().int(), data: z.record(z.string(), z.unknown()) })),
    replayed: z.boolean().describe('true when a repeated Idempotency-Key returned an earlier outcome'),
  })
  .openapi('CommandOutcome');

export type OutcomeView = z.output<typeof outcomeSchema>;

export function outcomeView(outcome: CommandOutcome): OutcomeView {
  return {
    streamName: outcome.streamName,
    revision: outcome.revision,
    position: outcome.position,
    events: outcome.events.map((e) => ({ eventId: e.eventId, type: e.type, revision: e.revision, data: e.data })),
    replayed: outcome.replayed,
  };
}

export const commandHeaders = z.object({
  'idempotency-key': z.string().optional().describe('Makes a retried POST safe: see the idempotency section of the README'),
  'if-match': z.string().optional().describe('ETag of the account, from GET; the command is refused with 412 if it changed'),
});

export const security = [{ bearer: [] }];

type UrlField = 'communityId' | 'memberId' | 'recordId' | 'categoryId' | 'itemId' | 'redemptionId';

export interface CommandEndpoint<T extends CommandType> {
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

export async function execute(
  c: Context<AppEnv>,
  deps: RouteDeps,
  command: { type: string; communityId: string; memberId?: string },
  expectedRevision?: number,
): Promise<CommandOutcome> {
  const result = await deps.ledger.execute(command, {
    actor: c.get('principal').actor,
    idempotencyKey: c.get('idempotencyKey'),
    correlationId: c.get('requestId'),
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
  });
  deps.metrics.command(command.type, result.ok ? 'ok' : result.error.code);
  // Process commands may have written before refusing (a rejected redemption is recorded), so any outcome counts.
  deps.reads.noteWrite();
  if (!result.ok) throw Problem.fromDomain(result.error);
  return result.value;
}

export function commandEndpoint<T extends CommandType>(app: App, deps: RouteDeps, endpoint: CommandEndpoint<T>): void {
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
    params: endpoint.params,
    headers: commandHeaders,
    body: { required: true, content: { 'application/json': { schema: body } } },
  };
  const described = {
    method: 'post' as const,
    path: endpoint.path,
    tags: [endpoint.tag],
    summary: endpoint.summary,
    description: `Carries out the ledger command \`${endpoint.type}\`.`,
    security,
    request,
  };

  async function run(c: Context<AppEnv>, params: Record<string, string>, input: Record<string, unknown>): Promise<OutcomeView> {
    const communityId = params.communityId ?? String(input.communityId);
    const memberId = params.memberId;
    const expectedRevision = await checkIfMatch(c, deps.ledger, communityId, memberId);
    const outcome = await execute(c, deps, { ...input, ...params, type: endpoint.type, communityId, ...(memberId ? { memberId } : {}) }, expectedRevision);
    if (outcome.position !== null) c.header(positionHeader, outcome.position);
    if (memberId && typeof outcome.revision === 'number' && outcome.streamName === streamNames.member(communityId, memberId)) {
      c.header('etag', etagOf(outcome.revision));
    }
    return outcomeView(outcome);
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
