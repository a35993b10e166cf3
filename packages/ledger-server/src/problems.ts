/**
 * RFC 9457 problem details: the one place where failures become responses. Handlers and middleware
 * throw a `Problem` (or return a domain error through `fail`); `problemResponse` turns it, or any
 * other fault, into `application/problem+json`. A stack trace never leaves the process.
 */
import { type DomainError, type DomainErrorCode, domainErrorCodes } from '@volunteer-ledger/core';
import type { z } from 'zod';

/** Problems the HTTP edge adds to the domain's codes. */
export const httpProblemCodes = [
  'unauthenticated',
  'route-not-found',
  'method-not-allowed',
  'payload-too-large',
  'headers-too-large',
  'unsupported-media-type',
  'not-acceptable',
  'unavailable',
  'internal',
] as const;
export type HttpProblemCode = (typeof httpProblemCodes)[number];
export type ProblemCode = DomainErrorCode | HttpProblemCode;

/** Stable `type` URIs: a URN per code, so clients can switch on them without parsing text. */
export const problemTypePrefix = 'urn:volunteer-ledger:problem:';
export const problemType = (code: ProblemCode): string => `${problemTypePrefix}${code}`;

interface ProblemKind {
  readonly status: number;
  readonly title: string;
}

/** Status and title per code. 4xx for every refusal; 5xx only for real faults. */
export const problemKinds: Readonly<Record<ProblemCode, ProblemKind>> = {
  validation: { status: 400, title: 'The request is not valid' },
  'not-found': { status: 404, title: 'Not found' },
  'already-exists': { status: 409, title: 'Already exists' },
  'not-allowed': { status: 403, title: 'Not allowed' },
  'invalid-state': { status: 409, title: 'Not possible in the current state' },
  'hours-out-of-range': { status: 422, title: 'Hours out of range' },
  'daily-cap-reached': { status: 422, title: 'Daily hours cap reached' },
  'insufficient-points': { status: 422, title: 'Insufficient points' },
  'in-deficit': { status: 422, title: 'Account in deficit' },
  'max-balance-exceeded': { status: 422, title: 'Maximum balance exceeded' },
  'stock-exhausted': { status: 409, title: 'Out of stock' },
  'limit-reached': { status: 422, title: 'Limit reached' },
  'transfer-not-allowed': { status: 422, title: 'Transfer not allowed' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused with another request' },
  'idempotency-key-in-flight': { status: 409, title: 'Request with this idempotency key still in progress' },
  conflict: { status: 409, title: 'Concurrent change; retry' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  busy: { status: 503, title: 'Too much work queued; retry shortly' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  'route-not-found': { status: 404, title: 'No such route' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'headers-too-large': { status: 431, title: 'Request header fields too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
};

export const allProblemCodes: readonly ProblemCode[] = [...domainErrorCodes, ...httpProblemCodes];

export type ProblemExtensions = Record<string, unknown>;

/** A refusal on its way to the client. Thrown; mapped to a response in one place (`problemResponse`). */
export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  static fromDomain(error: DomainError): Problem {
    const extensions: ProblemExtensions = {};
    if (error.details) {
      const { issues, ...rest } = error.details;
      if (Object.keys(rest).length > 0) extensions.details = rest;
      if (issues !== undefined) extensions.issues = issues;
    }
    const retryAfter = error.code === 'busy' ? error.details?.['retryAfterSeconds'] : error.code === 'idempotency-key-in-flight' ? 1 : undefined;
    return new Problem(error.code, error.message, extensions, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
  }

  static fromZod(where: string, error: z.ZodError): Problem {
    const issues = error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      code: issue.code,
      message: issue.message,
    }));
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    return new Problem('validation', `invalid ${where}: ${summary}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, {
      issues,
    });
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemDocument(problem: Problem, instance?: string): ProblemDocument {
  const kind = problemKinds[problem.code];
  return {
    type: problemType(problem.code),
    title: kind.title,
    status: kind.status,
    detail: problem.detail,
    ...(instance ? { instance } : {}),
    code: problem.code,
    ...problem.extensions,
  };
}

export const problemContentType = 'application/problem+json';

/** The only request body type the API reads. */
export const jsonMediaType = 'application/json';

/** A body that is not JSON: says what was sent and what to send instead. */
export function unsupportedMediaType(received: string | undefined): Problem {
  const sent = received ? `Content-Type ${JSON.stringify(received)}` : 'no Content-Type';
  return new Problem('unsupported-media-type', `the body was sent with ${sent}; send it as JSON with the header "Content-Type: ${jsonMediaType}"`, { accepted: [jsonMediaType] }, { 'accept-post': jsonMediaType });
}

/** What `toProblem` may use from the request to say what went wrong. */
export interface RequestFacts {
  readonly contentType?: string | undefined;
}

/** Any thrown value → a problem; unknown faults become a bare 500 with no internals. */
export function toProblem(thrown: unknown, request: RequestFacts = {}): { problem: Problem; fault: boolean } {
  if (thrown instanceof Problem) return { problem: thrown, fault: thrown.code === 'internal' || thrown.code === 'unavailable' };
  // Hono's HTTPException carries a status (body limit, malformed JSON, content type).
  const status = (thrown as { status?: unknown } | null)?.status;
  if (status === 415) return { problem: unsupportedMediaType(request.contentType), fault: false };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const byStatus: Record<number, ProblemCode> = { 400: 'validation', 401: 'unauthenticated', 404: 'route-not-found', 405: 'method-not-allowed', 413: 'payload-too-large', 415: 'unsupported-media-type' };
    const code = byStatus[status] ?? 'validation';
    const message = thrown instanceof Error && thrown.message ? thrown.message : problemKinds[code].title;
    return { problem: new Problem(code, message), fault: false };
  }
  return { problem: new Problem('internal', 'the service failed to handle this request; it has been logged, retry later'), fault: true };
}

export function problemResponse(problem: Problem, instance?: string): Response {
  const document = problemDocument(problem, instance);
  return new Response(JSON.stringify(document), {
    status: document.status,
    headers: { 'content-type': problemContentType, ...problem.headers },
  });
}

/** Unwraps a core `Result`, throwing its domain error as a problem. */
export function orFail<T>(result: { ok: true; value: T } | { ok: false; error: DomainError }): T {
  if (!result.ok) throw Problem.fromDomain(result.error);
  return result.value;
}
