/**
 * The OpenAPI document documents everything: every operation has an id, a summary, a description and
 * declared tags; every parameter and field a description; every parameter and plain field an example;
 * every example is valid against its own schema, and every command example against the core's schema.
 */
import { commandSchemas } from '@volunteer-ledger/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandDocs, type HttpCommandType } from './openapi-examples.js';
import { openApiDocument } from './openapi-snapshot.js';

type Json = Record<string, any>;

/** Sent with every "Try it out" when they have an example, so none is given (see openapi-glossary.ts). */
// An example would be sent by "Try it out" every time: a position would make every read wait for it.
const parametersWithoutExample = new Set(['idempotency-key', 'if-match', 'if-none-match', 'cursor', 'after', 'x-min-position']);

let document: Json;
beforeAll(async () => {
  document = await openApiDocument();
});

function* operations(): Generator<[string, Json]> {
  for (const [path, methods] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(methods as Json)) yield [`${method.toUpperCase()} ${path}`, operation];
  }
}

/** Every property below `schema`, with its path, following $refs into components once. */
function* properties(schema: Json, path: string, seen = new Set<string>()): Generator<[string, Json]> {
  if (typeof schema.$ref === 'string') {
    if (seen.has(schema.$ref)) return;
    seen.add(schema.$ref);
    yield* properties(document.components.schemas[schema.$ref.split('/').pop()!], path, seen);
    return;
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const option of schema[key] ?? []) yield* properties(option, path, seen);
  if (schema.items) yield* properties(schema.items, `${path}[]`, seen);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') yield* properties(schema.additionalProperties, `${path}{}`, seen);
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Json)) {
    yield [`${path}.${name}`, property];
    yield* properties(property, `${path}.${name}`, seen);
  }
}

function* schemasOf(operation: Json): Generator<[string, Json]> {
  for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Json)) yield [`body ${type}`, media.schema];
  for (const [status, response] of Object.entries((operation.responses ?? {}) as Json)) {
    for (const [type, media] of Object.entries((response.content ?? {}) as Json)) yield [`${status} ${type}`, media.schema];
  }
}

const isPlain = (schema: Json) => !schema.$ref && !schema.properties && !schema.items && !schema.anyOf && !schema.oneOf && !schema.allOf && schema.type !== 'object';

describe('the OpenAPI document', () => {
  it('names, summarises, describes and tags every operation, with stable readable operationIds and declared tags', () => {
    const declared = new Set((document.tags as Array<{ name: string; description: string }>).map((t) => t.name));
    const ids = new Set<string>();
    for (const [where, operation] of operations()) {
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(operation.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, where).toBeTruthy();
      expect(operation.description?.length, where).toBeGreaterThan(20);
      for (const tag of operation.tags) expect(declared, `${where}: tag ${tag}`).toContain(tag);
    }
    expect(ids).toContain('reportHours');
    expect(ids).toContain('getMemberAccount');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('describes every parameter, with an example unless one would be sent by mistake', () => {
    for (const [where, operation] of operations()) {
      for (const parameter of operation.parameters ?? []) {
        expect(parameter.description, `${where} ${parameter.name}`).toBeTruthy();
        if (!parametersWithoutExample.has(parameter.name)) expect(parameter.example, `${where} ${parameter.name}`).toBeDefined();
      }
    }
  });

  it('describes every field of every request and response, with an example for every plain one', () => {
    const missing: string[] = [];
    for (const [where, operation] of operations()) {
      for (const [what, schema] of schemasOf(operation)) {
        for (const [path, property] of properties(schema, `${where} ${what}`)) {
          if (property.$ref) continue;
          if (!property.description) missing.push(`${path}: description`);
          if (isPlain(property) && property.example === undefined) missing.push(`${path}: example`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('holds only examples valid against their own schemas', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ ...document, $id: 'openapi' });
    const invalid: string[] = [];
    const check = (pointer: string, example: unknown) => {
      const validate = ajv.getSchema(`openapi#${pointer}`)!;
      if (!validate(example)) invalid.push(`${pointer}: ${ajv.errorsText(validate.errors)}`);
    };
    const walk = (node: unknown, pointer: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        if (key === 'example' && !Array.isArray(node) && pointer.includes('/schema')) check(pointer, value);
        walk(value, at);
      }
    };
    walk(document, '');
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths as Json)) {
      for (const [method, operation] of Object.entries(methods as Json)) {
        const base = `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}`;
        (operation.parameters ?? []).forEach((parameter: Json, i: number) => {
          if (parameter.example !== undefined) check(`${base}/parameters/${i}/schema`, parameter.example);
        });
        for (const [name, example] of Object.entries((operation.requestBody?.content?.['application/json']?.examples ?? {}) as Json)) {
          check(`${base}/requestBody/content/application~1json/schema`, example.value);
          checked += name ? 1 : 0;
        }
      }
    }
    expect(invalid).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(Object.keys(commandDocs).length);
  });

  it.each(Object.keys(commandDocs) as HttpCommandType[])("%s: every example, with its path parameters, is a valid command by the core's own schema", (type) => {
    const doc = commandDocs[type];
    expect(Object.keys(doc.examples).length).toBeGreaterThan(0);
    for (const [name, { value }] of Object.entries(doc.examples)) {
      const parsed = commandSchemas[type].safeParse({ ...doc.params, ...value, type });
      expect(parsed.success, `${type} ${name}: ${parsed.error?.message}`).toBe(true);
    }
  });
});
