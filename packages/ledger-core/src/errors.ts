/**
 * Domain errors are values, not exceptions: a decider returns one when a command breaks a rule, and
 * nothing is appended. Each has a stable `code` (the HTTP edge maps it to a problem `type`) and a
 * message that says what happened, what was expected and what to do, with the values involved.
 */
export const domainErrorCodes = [
  'validation',
  'not-found',
  'already-exists',
  'not-allowed',
  'invalid-state',
  'hours-out-of-range',
  'daily-cap-reached',
  'insufficient-points',
  'in-deficit',
  'max-balance-exceeded',
  'stock-exhausted',
  'limit-reached',
  'transfer-not-allowed',
  'idempotency-key-reused',
  'idempotency-key-in-flight',
  'conflict',
  'precondition-failed',
  /** Transient: this ledger has too much work queued; nothing was done, retry shortly. */
  'busy',
] as const;

export type DomainErrorCode = (typeof domainErrorCodes)[number];

export type ErrorDetail = string | number | boolean | null | readonly string[];

export interface DomainError {
  readonly code: DomainErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, ErrorDetail>>;
}

export function domainError(code: DomainErrorCode, message: string, details?: Record<string, ErrorDetail>): DomainError {
  return details ? { code, message, details } : { code, message };
}

export const notFound = (what: string, id: string): DomainError =>
  domainError('not-found', `${what} ${id} does not exist; check the id or create it first`, { what, id });

export const alreadyExists = (what: string, id: string): DomainError =>
  domainError('already-exists', `${what} ${id} already exists; use a new id`, { what, id });

export const notAllowed = (message: string, details?: Record<string, ErrorDetail>): DomainError =>
  domainError('not-allowed', message, details);

export const invalidState = (message: string, details?: Record<string, ErrorDetail>): DomainError =>
  domainError('invalid-state', message, details);

/** Raised (thrown) when stored history breaks an invariant: corruption, never a user mistake. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

/** Cheap assertions in `evolve` catch corruption where it happens (STYLE: TigerBeetle). */
export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantViolation(message());
}
