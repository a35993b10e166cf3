/**
 * The OpenAPI document as served at /openapi.json: generated from the routes' zod schemas, then
 * completed in one pass with what the schemas do not carry: each field's meaning and example from the
 * glossary (the core's command schemas belong to the core; their HTTP documentation to the edge), the
 * tags' descriptions, `servers`, contact and licence. Built once, on first request.
 */
import { fieldGlossary, type GlossaryEntry, parameterGlossary } from './openapi-glossary.js';

/** A JSON Schema or OpenAPI object, as the generator emits it. */
type Json = Record<string, unknown>;

export const tagDescriptions: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'communities', description: '社区: a community\'s set-up — its points policy (versioned), service categories and organisers.' },
  { name: 'members', description: '志愿者 / 居民: members, their points accounts, statements and personal data (sealed; erasable).' },
  { name: 'service records', description: '服务记录: hours recorded by check-in or reported afterwards, approved or rejected by organisers, reversed when wrong.' },
  { name: 'certificates', description: '志愿服务记录证明: service certificates with a number and a verification code, printable and publicly verifiable.' },
  { name: 'catalogue', description: '积分超市: the rewards shop — goods with stock, and volunteers\' services.' },
  { name: 'redemptions', description: '兑换: spending points on an item — held, then fulfilled, cancelled or expired.' },
  { name: 'transfers', description: '转赠 / 爱心积分池: gifts of points between members, and donations to the community pool.' },
  { name: 'reports', description: 'For the street office: hours and points by period, the leaderboard and the trial balance.' },
  { name: 'activities', description: '志愿活动 / 报名 / 签到签退: activities with sign-ups and a wait list, check-in by an organiser or the kiosk\'s code, closing into service records (信用时长) and approval in one go.' },
  { name: 'service-requests', description: '点单 → 派单 → 接单 → 评单: a resident asks for a service (points offered are held), it is dispatched or taken, done, then confirmed and rated.' },
  { name: 'wishes', description: '微心愿: residents\' small wishes, claimed by a member or paid from the donation pool, fulfilled once an organiser confirms.' },
];

/** The entry for a field at `path` (dotted, arrays transparent): the full path first, then shorter tails, then the bare name. */
function lookUp(path: readonly string[]): GlossaryEntry | undefined {
  for (let start = 0; start < path.length; start++) {
    const entry = fieldGlossary[path.slice(start).join('.')];
    if (entry) return entry;
  }
  return undefined;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The glossary's example, unless the schema allows fixed values only and it is not one of them (a branch of a union). */
function exampleWithin(schema: Json, example: unknown): unknown {
  if (!Array.isArray(schema.enum) || schema.enum.includes(example)) return example;
  return schema.enum[0];
}

/** Fills in descriptions and examples the schema lacks, for every property below `schema`. */
function describeSchema(schema: Json, path: readonly string[], components: Json): void {
  const ref = typeof schema.$ref === 'string' ? schema.$ref : null;
  if (ref) {
    const target = components[ref.replace('#/components/schemas/', '')];
    if (isObject(target)) describeSchema(target, path, components);
    return;
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) for (const option of options) if (isObject(option)) describeSchema(option, path, components);
  }
  if (isObject(schema.items)) describeSchema(schema.items, path, components);
  if (isObject(schema.additionalProperties)) describeSchema(schema.additionalProperties, path, components);
  if (isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (!isObject(property)) continue;
      const entry = lookUp([...path, name]);
      if (entry) {
        // A description or example the schema itself carries wins.
        if (property.description === undefined && property.$ref === undefined) property.description = entry.description;
        if (property.example === undefined && entry.example !== undefined && property.$ref === undefined) property.example = exampleWithin(property, entry.example);
      }
      describeSchema(property, [...path, name], components);
    }
  }
}

function describeParameters(parameters: unknown[], operationId: string): void {
  for (const parameter of parameters) {
    if (!isObject(parameter) || typeof parameter.name !== 'string') continue;
    const entry = parameterGlossary[`${operationId}.${parameter.name}`] ?? parameterGlossary[parameter.name];
    if (!entry) continue;
    parameter.description ??= entry.description;
    if (entry.example !== undefined && parameter.example === undefined) parameter.example = entry.example;
  }
}

export interface DocumentOptions {
  /** LEDGER_PUBLIC_URL, for `servers`; the document's own origin ("/") otherwise. */
  readonly publicUrl?: string | undefined;
}

/** Completes a generated document in place and returns it. */
export function completeDocument(document: Json, options: DocumentOptions = {}): Json {
  const components = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  for (const [name, schema] of Object.entries(components)) if (isObject(schema)) describeSchema(schema, [name], components);
  const paths = isObject(document.paths) ? document.paths : {};
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      if (!isObject(operation)) continue;
      // Paths start at the operation, so the glossary can tell `reason` in one command from another.
      const operationId = typeof operation.operationId === 'string' ? operation.operationId : '';
      if (Array.isArray(operation.parameters)) describeParameters(operation.parameters, operationId);
      const body = isObject(operation.requestBody) && isObject(operation.requestBody.content) ? operation.requestBody.content : {};
      for (const media of Object.values(body)) if (isObject(media) && isObject(media.schema)) describeSchema(media.schema, [operationId], components);
      const responses = isObject(operation.responses) ? operation.responses : {};
      for (const response of Object.values(responses)) {
        if (!isObject(response) || !isObject(response.content)) continue;
        for (const media of Object.values(response.content)) if (isObject(media) && isObject(media.schema)) describeSchema(media.schema, [operationId], components);
      }
    }
  }
  document.tags = tagDescriptions.map((tag) => ({ ...tag }));
  document.servers = [{ url: options.publicUrl ?? '/', description: options.publicUrl ? 'this service' : 'this service (the origin the document was read from)' }];
  return document;
}
