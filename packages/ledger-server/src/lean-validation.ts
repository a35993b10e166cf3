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
 * - a required JSON body: `@hono/zod-openapi` adds two layers (a media-type gate, then Hono's validator
 *   reading the JSON and zod's asynchronous parse, each a closure and promises per request); here one layer
 *   does the same checks in the same order with zod's synchronous parse (the same result for schemas without
 *   asynchronous refinements; one that has them is parsed asynchronously as before). The same refusals:
 *   415 for a body of another media type, 400 for malformed JSON, the zod problem otherwise. A route with
 *   both (every command) checks its path parameters and then its body in that one layer.
 * Routes with a query keep zod's own parameter validator, so query problems are still reported first (and
 * such routes keep zod-openapi's body validators, which run after it).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Context, Env, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
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

/** The path parameter check: remembered values skip zod; the rest are parsed (and remembered if accepted unchanged). */
function paramCheck(schema: z.ZodObject): (params: Record<string, string>) => Record<string, string> {
  const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    let known = knownValues.get(field);
    if (!known) knownValues.set(field, (known = new Set()));
    return { name, known };
  });
  return (params) => {
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
  };
}

/** The path parameter validator (`paramCheck` as a Hono validator). */
export function paramValidator(schema: z.ZodObject) {
  return validator('param', paramCheck(schema));
}

/** `@hono/zod-openapi`'s test of a request's Content-Type against a declared `application/json` body. */
const jsonRequestContentType = /^application\/([a-z-\.]+\+)?json(;\s*[a-zA-Z0-9\-]+\=([^;]+))*$/i;

/** zod's synchronous parse, or its asynchronous one for a schema with asynchronous parts (which the former refuses to run). */
function parseBody(schema: z.ZodType, value: unknown): z.ZodSafeParseResult<unknown> | Promise<z.ZodSafeParseResult<unknown>> {
  try {
    return schema.safeParse(value);
  } catch (fault) {
    if (fault instanceof z.core.$ZodAsyncError) return schema.safeParseAsync(value);
    throw fault;
  }
}

/**
 * The required JSON body of a route, validated as `@hono/zod-openapi`'s media-type gate and Hono's json
 * validator do it, in one layer: a Content-Type the gate refuses is 415; none at all is 415 when a body
 * came, else the body is taken as `{}` (Hono reads JSON only under a JSON Content-Type); malformed JSON is
 * Hono's 400; then zod.
 */
export function jsonBodyValidator(schema: z.ZodType): MiddlewareHandler {
  return async (c, next) => {
    c.req.addValidatedData('json', await validJsonBody(c, schema));
    await next();
  };
}

/** The body `jsonBodyValidator` hands on, or the refusal it throws. */
async function validJsonBody(c: Context, schema: z.ZodType): Promise<object> {
  const contentType = c.req.header('content-type');
  let value: unknown = {};
  if (contentType) {
    if (!jsonRequestContentType.test(contentType)) throw new HTTPException(415, { message: 'Unsupported Media Type' });
    try {
      value = await c.req.json();
    } catch {
      throw new HTTPException(400, { message: 'Malformed JSON in request body' });
    }
  } else if ((await c.req.arrayBuffer()).byteLength > 0) throw new HTTPException(415, { message: 'Unsupported Media Type' });
  const parsed = await parseBody(schema, value);
  if (!parsed.success) throw Problem.fromZod('body', parsed.error);
  return parsed.data as object;
}

/**
 * Path parameters, then the body, in one layer (each layer of Hono's chain is a closure call and a promise
 * per request): what `paramValidator` and `jsonBodyValidator` do one after the other.
 */
function paramsAndBodyValidator(params: z.ZodObject, body: z.ZodType): MiddlewareHandler {
  const check = paramCheck(params);
  return async (c, next) => {
    c.req.addValidatedData('param', check(c.req.param() as Record<string, string>));
    c.req.addValidatedData('json', await validJsonBody(c, body));
    await next();
  };
}

/** The zod schema of a route's body when it is required and JSON alone, which `jsonBodyValidator` can check. */
function requiredJsonBody(body: unknown): z.ZodType | null {
  const { required, content } = (body ?? {}) as { required?: boolean; content?: Record<string, { schema?: unknown }> };
  if (required !== true || content === undefined) return null;
  const types = Object.keys(content);
  const schema = content['application/json']?.schema;
  return types.length === 1 && schema instanceof z.ZodType ? schema : null;
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
    let params: z.ZodObject | null = null;
    if (runtime.query === undefined && runtime.params !== undefined && rememberable(runtime.params as z.ZodType)) {
      params = runtime.params as z.ZodObject;
      delete runtime.params;
    }
    // The body is checked after the path parameters and headers, as zod-openapi orders its validators: so only
    // when no validator of zod-openapi's is left to run before it.
    let body = requiredJsonBody(runtime.body);
    if (body !== null && runtime.query === undefined && runtime.params === undefined && runtime.headers === undefined && runtime.cookies === undefined) delete runtime.body;
    else body = null;
    const extra = params && body ? [paramsAndBodyValidator(params, body)] : params ? [paramValidator(params)] : body ? [jsonBodyValidator(body)] : [];
    const routeMiddleware = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    return openapi({ ...route, hide: true, request: runtime, middleware: [...routeMiddleware, ...extra] }, handler, hook);
  }) as typeof app.openapi;
}
