/**
 * What `app.openapi` checks at run time, made cheaper, with the same document and the same answers.
 * `@hono/zod-openapi` adds one zod validator per request part; on a read that is most of the work after
 * the router (~7% of an account read), and two of those validators do nothing useful per request:
 * - headers: every header schema here is a set of optional plain strings (documentation for the
 *   clients); a header value is always a string, so it cannot fail. Its validator also made the Node
 *   adapter build a full `Headers` object of the request (to hand every header to zod): dropped at run
 *   time, still in the document;
 * - path parameters: ids, the same few thousand again and again. A value a field's schema accepted
 *   unchanged is remembered for that schema, and a request whose every parameter is remembered skips zod;
 *   anything else goes through zod exactly as before (and a refusal is the same problem document).
 * Routes with a query keep zod's own parameter validator, so query problems are still reported first.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { validator } from 'hono/validator';
import { Problem } from './problems.js';

/** Most accepted values remembered per field schema; when full it starts afresh. */
export const maxKnownParamValues = 10_000;

const knownValues = new WeakMap<z.ZodType, Set<string>>();

/** True when the object's fields are optional strings without checks: no header value can fail it. */
export function cannotFail(schema: z.ZodType): boolean {
  if (!(schema instanceof z.ZodObject) || (schema.def.checks?.length ?? 0) > 0) return false;
  return Object.values(schema.shape as Record<string, z.ZodType>).every((field) => {
    if (!(field instanceof z.ZodOptional)) return false;
    const inner = field.unwrap();
    return inner instanceof z.ZodString && (inner.def.checks?.length ?? 0) === 0;
  });
}

/** A parameter schema whose acceptance of each field can be remembered: string fields, no whole-object checks. */
function rememberable(schema: z.ZodType): schema is z.ZodObject {
  return (
    schema instanceof z.ZodObject &&
    (schema.def.checks?.length ?? 0) === 0 &&
    Object.values(schema.shape as Record<string, z.ZodType>).every((field) => field instanceof z.ZodString)
  );
}

/** The path parameter validator: remembered values skip zod; the rest are parsed (and remembered if accepted unchanged). */
export function paramValidator(schema: z.ZodObject) {
  const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    let known = knownValues.get(field);
    if (!known) knownValues.set(field, (known = new Set()));
    return { name, known };
  });
  return validator('param', (params: Record<string, string>) => {
    const accepted: Record<string, string> = {};
    let allKnown = true;
    for (const { name, known } of fields) {
      const value = params[name];
      if (value === undefined || !known.has(value)) {
        allKnown = false;
        break;
      }
      accepted[name] = value;
    }
    if (allKnown) return accepted;
    const parsed = schema.safeParse(params);
    if (!parsed.success) throw Problem.fromZod('param', parsed.error);
    for (const { name, known } of fields) {
      const value = params[name];
      if (value === undefined || parsed.data[name] !== value) continue;
      if (known.size >= maxKnownParamValues) known.clear();
      known.add(value);
    }
    return parsed.data as Record<string, string>;
  });
}

/**
 * Makes every later `app.openapi(route, handler)` document the route as given and validate it leanly (see
 * above). Routes with their own hook are left to `@hono/zod-openapi` as they are.
 */
export function leanValidation<E extends Env>(app: OpenAPIHono<E>): void {
  const openapi = app.openapi.bind(app);
  app.openapi = ((route, handler, hook) => {
    const { request } = route;
    if (hook !== undefined || request === undefined) return openapi(route, handler, hook);
    const { middleware, hide, ...documented } = route;
    if (!hide) app.openAPIRegistry.registerPath(documented);
    const runtime = { ...request };
    if (runtime.headers !== undefined && cannotFail(runtime.headers as z.ZodType)) delete runtime.headers;
    const extra = [];
    if (runtime.query === undefined && runtime.params !== undefined && rememberable(runtime.params as z.ZodType)) {
      extra.push(paramValidator(runtime.params as z.ZodObject));
      delete runtime.params;
    }
    const routeMiddleware = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    return openapi({ ...route, hide: true, request: runtime, middleware: [...routeMiddleware, ...extra] }, handler, hook);
  }) as typeof app.openapi;
}
