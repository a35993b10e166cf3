/**
 * Which methods a path answers to, from the routes the app registered, so that a wrong method gets
 * 405 with an `Allow` header (RFC 9110 §15.5.6) rather than 404.
 */

interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
}

/** Hono's `:name` (optionally `:name{regex}`) and `*` patterns as a regular expression over the whole path. */
function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * `routes` is read on first use, once every route is registered. Middleware (`ALL`) is not a route.
 * A GET route also answers HEAD (Hono serves HEAD from GET handlers).
 */
export function allowedMethodsOf(routes: () => readonly RegisteredRoute[]): (path: string) => string[] {
  let compiled: Array<{ method: string; pattern: RegExp }> | null = null;
  return (path) => {
    compiled ??= routes()
      .filter((route) => route.method !== 'ALL')
      .map((route) => ({ method: route.method.toUpperCase(), pattern: patternOf(route.path) }));
    const methods = new Set(compiled.filter((route) => route.pattern.test(path)).map((route) => route.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
