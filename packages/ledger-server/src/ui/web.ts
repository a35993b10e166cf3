/**
 * Plumbing the resident page and the console share: session cookies, the CSRF check on every POST, form
 * parsing, and carrying out a command exactly as the API does (`Ledger.execute` with the session's actor:
 * the same authorization, validation and idempotency; no second set of rules).
 *
 * Cookies are HttpOnly (nothing of the session is readable by scripts), SameSite=Strict, Secure when the
 * service is reached over TLS, and scoped by path: the resident cookie is sent only to /app, the console
 * cookie only to /console. A POST must carry the session's CSRF token in its form, and its Origin, when the
 * browser sends one, must be this service.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Actor, CommandInput, CommandOutcome, DomainError } from '@volunteer-ledger/core';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Authenticator } from '../auth.js';
import { Problem } from '../problems.js';
import type { RouteDeps } from '../routes/shared.js';
import type { SessionKind, SessionStore, UiSession } from './sessions.js';

export interface UiDeps extends RouteDeps {
  readonly authenticator: Authenticator;
  readonly sessions: SessionStore;
}

export const csrfField = '_csrf';
/** A fresh key per rendered form: pressing twice (or reloading the POST) does the command once. */
export const onceField = '_once';
const oncePattern = /^[0-9a-f-]{36}$/;
/** Longest form accepted by the pages (bulk approval of a long queue is the largest). */
export const maxFormBytes = 256 * 1024;

export const cookieNames: Readonly<Record<SessionKind, string>> = { member: 'vl_app_session', organiser: 'vl_console_session' };
const cookiePaths: Readonly<Record<SessionKind, string>> = { member: '/app', organiser: '/console' };

export const newOnce = (): string => randomUUID();

function overTls(c: Context, deps: UiDeps): boolean {
  return new URL(c.req.url).protocol === 'https:' || (deps.publicUrl?.startsWith('https:') ?? false);
}

export function setSessionCookie(c: Context, deps: UiDeps, kind: SessionKind, token: string, expiresAt: string): void {
  setCookie(c, cookieNames[kind], token, {
    path: cookiePaths[kind],
    httpOnly: true,
    sameSite: 'Strict',
    secure: overTls(c, deps),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context, deps: UiDeps, kind: SessionKind): void {
  deleteCookie(c, cookieNames[kind], { path: cookiePaths[kind], httpOnly: true, sameSite: 'Strict', secure: overTls(c, deps) });
}

/** The live session of this kind the request's cookie names; a session of another kind does not count. */
export async function sessionOf(c: Context, deps: UiDeps, kind: SessionKind): Promise<{ session: UiSession; token: string } | null> {
  const token = getCookie(c, cookieNames[kind]);
  if (!token) return null;
  const session = await deps.sessions.session(token, deps.ledger.clock.now());
  if (!session || session.kind !== kind) return null;
  // A session lasts no longer than the credential it was started with: a revoked API key ends it here.
  if (!(await deps.authenticator.stillValid(session.credentialId))) {
    await deps.sessions.endSession(token);
    return null;
  }
  return { session, token };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuses a cross-site form: an Origin that is not this service (browsers send it with every POST). */
export function checkOrigin(c: Context): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  const host = c.req.header('host');
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost === null || originHost !== host) throw new Problem('not-allowed', `a form from ${origin} may not act on this service; use the pages this service serves`);
}

export type Form = Record<string, string | string[]>;

/** The urlencoded (or multipart) form, with repeated fields as arrays; files are refused. */
export async function readForm(c: Context): Promise<Form> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > maxFormBytes) throw new Problem('payload-too-large', `the form is larger than ${maxFormBytes} bytes`);
  const body = await c.req.parseBody({ all: true });
  const form: Form = {};
  for (const [name, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : ''));
    form[name] = values.length === 1 ? values[0]! : values;
  }
  return form;
}

export const field = (form: Form, name: string): string => {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
};
export const fields = (form: Form, name: string): string[] => {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

/** The form's CSRF token must be the session's; refused otherwise, before anything happens. */
export function checkCsrf(form: Form, csrfToken: string): void {
  const given = field(form, csrfField);
  if (!given || !sameText(given, csrfToken)) {
    throw new Problem('not-allowed', 'the form has no valid CSRF token (it was not made by this session); reload the page and try again');
  }
}

/** The form's once-key as an idempotency key for the ledger; a fresh one when the form has none. */
export function onceKey(form: Form, suffix = ''): string {
  const once = field(form, onceField);
  return `ui:${oncePattern.test(once) ? once : randomUUID()}${suffix}`;
}

export type Done = { ok: true; outcome: CommandOutcome } | { ok: false; error: DomainError };

/** Carries out a command as the API's POST routes do: the ledger decides; metrics and read-your-writes follow. */
export async function runCommand(deps: UiDeps, actor: Actor, command: Record<string, unknown> & { type: string }, idempotencyKey: string): Promise<Done> {
  const result = await deps.ledger.execute(command as CommandInput, { actor, idempotencyKey });
  deps.metrics.command(command.type, result.ok ? 'ok' : result.error.code);
  deps.reads.noteWrite();
  return result.ok ? { ok: true, outcome: result.value } : { ok: false, error: result.error };
}

/** A fresh id for a redemption or a transfer made from a page. */
export const newId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 18)}`;
