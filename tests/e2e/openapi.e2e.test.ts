/**
 * The API teaches itself: /openapi.json as a newcomer meets it.
 * - Every documented example, sent in journey order to a fresh service (as Swagger UI's "Try it out"
 *   sends them), succeeds, and every response is what the document says it is (checked against the
 *   response schema, with undocumented fields refused).
 * - Spectral (spectral:oas) and Redocly (recommended) find nothing to report.
 * - The committed document and typed-client types are what the service serves.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTypesText } from '../../packages/ledger-server/openapi/generate.js';
import { ManualClock } from '../../packages/ledger-core/src/index.js';
import { exampleJourney, exampleJourneyClock, kioskCodeSteps } from '../../packages/ledger-server/src/openapi-examples.js';
import { documentText } from '../../packages/ledger-server/src/openapi-snapshot.js';
import { exampleTarget, startService, type TestService } from './support.js';

const exec = promisify(execFile);
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
const committed = (file: string) => readFileSync(fileURLToPath(new URL(`../../packages/ledger-server/openapi/${file}`, import.meta.url)), 'utf8');

type Json = Record<string, any>;

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
}

function operationsOf(document: Json): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(methods as Json)) operations.set(operation.operationId, { method, path, operation });
  }
  return operations;
}

/** An Ajv that knows the whole document, so response schemas can be compiled by JSON pointer into it. */
function documentValidator(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // Test-only strictness: a field the service sends but the document does not name is a lie by omission.
  const strict = JSON.parse(JSON.stringify(document), (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value) && value.properties && value.additionalProperties === undefined ? { ...value, additionalProperties: false } : value,
  );
  ajv.addSchema({ ...strict, $id: 'openapi' });
  return (pointer: string, data: unknown): string | null => {
    const validate = ajv.getSchema(`openapi#${pointer}`);
    if (!validate) return `no schema at ${pointer}`;
    return validate(data) ? null : ajv.errorsText(validate.errors, { dataVar: 'response' });
  };
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

describe('the OpenAPI document', () => {
  let service: TestService;
  // The journey's story is dated (exampleJourneyClock): the clock stands still until a step names another time.
  const clock = new ManualClock(new Date(exampleJourneyClock[exampleJourney[0]!.split(':')[0]!]!));
  let document: Json;
  let documentBody: string;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-openapi-'));

  beforeAll(async () => {
    service = await startService('sqlite', { clock });
    const res = await fetch(`${service.url}/openapi.json`);
    documentBody = await res.text();
    document = JSON.parse(documentBody);
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every documented example, sent in journey order to a fresh service, succeeds, and every answer matches its documented schema', async () => {
    const operations = operationsOf(document);
    const check = documentValidator(document);
    const sentExamples = new Set<string>();
    const kioskCodeShown = async (path: string): Promise<string> => {
      const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${service.adminKey}` } });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
      return ((await res.json()) as { code: string }).code;
    };
    for (const step of exampleJourney) {
      const [operationId, exampleName] = step.split(':') as [string, string | undefined];
      const at = exampleJourneyClock[operationId];
      if (at !== undefined) clock.set(new Date(at));
      const found = operations.get(operationId);
      expect(found, `${step}: no such operation`).toBeDefined();
      const { method, path, operation } = found!;
      const url = exampleTarget(path, operation);
      expect(url, `${step}: a path parameter has no example`).not.toContain('{');
      const media = operation.requestBody?.content?.['application/json'];
      let body: unknown;
      if (media) {
        const name = exampleName ?? Object.keys(media.examples)[0]!;
        expect(media.examples[name], `${step}: no body example ${name}`).toBeDefined();
        body = media.examples[name].value;
        sentExamples.add(`${operationId}:${name}`);
        // A kiosk's code turns over every 30 seconds: present the one it shows now, as a resident's phone would.
        if (kioskCodeSteps.has(operationId)) body = { ...(body as Json), code: await kioskCodeShown(url.replace(/\/kiosk-(check-ins|check-outs)$/, '/kiosk-code')) };
      }
      const res = await fetch(`${service.url}${url}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${service.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      expect(res.status, `${step}: ${method.toUpperCase()} ${url} answered ${res.status}: ${text}`).toBeLessThan(300);
      const documented = operation.responses[String(res.status)];
      expect(documented, `${step}: status ${res.status} is not documented`).toBeDefined();
      const type = res.headers.get('content-type')!.split(';')[0]!;
      expect(Object.keys(documented.content ?? {}), `${step}: ${type} is not documented`).toContain(type);
      if (type === 'application/json') {
        const pointer = `/paths/${escapePointer(path)}/${method}/responses/${res.status}/content/${escapePointer(type)}/schema`;
        expect(check(pointer, JSON.parse(text)), `${step}: the answer does not match the documented schema`).toBeNull();
      }
    }
    // The journey is complete: every operation and every body example is in it, once.
    expect(new Set(exampleJourney.map((step) => step.split(':')[0]))).toEqual(new Set(operations.keys()));
    const documentedExamples = [...operations].flatMap(([operationId, { operation }]) =>
      Object.keys(operation.requestBody?.content?.['application/json']?.examples ?? {}).map((name) => `${operationId}:${name}`),
    );
    expect([...sentExamples].sort()).toEqual(documentedExamples.sort());
  });

  it("passes Spectral's spectral:oas ruleset with nothing to report, not even a hint", async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, documentBody);
    const ruleset = fileURLToPath(new URL('../../.spectral.yaml', import.meta.url));
    expect(readFileSync(ruleset, 'utf8')).toMatch(/^extends: \["spectral:oas"\]$/m);
    const { stdout } = await exec(bin('spectral'), ['lint', file, '--ruleset', ruleset, '--format', 'json', '--fail-severity', 'hint', '--quiet']).catch((fault: { stdout: string }) => fault);
    expect(JSON.parse(stdout || '[]')).toEqual([]);
  });

  it("passes Redocly's recommended lint with no error and no warning", async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, documentBody);
    const { stdout } = await exec(bin('redocly'), ['lint', file, '--extends', 'recommended', '--format', 'json'], { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } }).catch(
      (fault: { stdout: string }) => fault,
    );
    const report = JSON.parse(stdout);
    expect(report.problems.map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('is what packages/ledger-server/openapi/ holds, document and typed-client types alike (run `pnpm openapi:generate` after changing the API)', async () => {
    expect(committed('openapi.json'), 'openapi/openapi.json is stale: run pnpm openapi:generate').toBe(documentText(document));
    expect(committed('api-types.ts'), 'openapi/api-types.ts is stale: run pnpm openapi:generate').toBe(await apiTypesText(document));
  });
});
