/**
 * The pages for people (issue 9): the resident page at /app and the organiser console at /console, with
 * their two local assets under /ui. Mounted into the service's app beside the JSON API; the pages answer
 * refusals with pages, not problem documents.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.js';
import { assetCacheControl, script, scriptPath, stylesheet, stylesheetPath } from './assets.js';
import { consoleRoutes } from './console.js';
import { residentRoutes } from './resident.js';
import { SignInLimiter } from './sign-in-limit.js';
import { maxFormBytes, type UiDeps } from './web.js';

export { SqliteSessionStore, sessionsFileName, type SessionStore } from './sessions.js';
export type { UiDeps } from './web.js';

export function uiApp(deps: UiDeps): Hono<AppEnv> {
  const ui = new Hono<AppEnv>();
  ui.get(stylesheetPath, (c) => c.body(stylesheet, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': assetCacheControl }));
  ui.get(scriptPath, (c) => c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': assetCacheControl }));

  // A form larger than any page makes is refused before it is read (a chunked body has no Content-Length to check).
  const limit = bodyLimit({
    maxSize: maxFormBytes,
    onError: (c) =>
      // The rest of the body is never read, so the connection cannot carry another request.
      c.text(`the form is larger than ${maxFormBytes} bytes`, 413, { connection: 'close' }),
  });
  ui.use('/app/*', (c, next) => (c.req.method === 'POST' ? limit(c, next) : next()));
  ui.use('/console/*', (c, next) => (c.req.method === 'POST' ? limit(c, next) : next()));

  // One count of failed sign-ins for cards and the console: a guesser at either is slowed at both.
  const limiter = new SignInLimiter(() => deps.ledger.clock.now().getTime());
  const resident = new Hono();
  residentRoutes(resident, deps, limiter);
  const console = new Hono();
  consoleRoutes(console, deps, limiter);
  ui.route('/', resident);
  ui.route('/', console);
  return ui;
}
