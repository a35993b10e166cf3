/**
 * `pnpm openapi:generate`: writes the OpenAPI document (openapi/openapi.json) and the types of the typed
 * client (openapi/api-types.ts, by openapi-typescript). Both are committed; tests/e2e/openapi.e2e.test.ts
 * fails while they differ from what the service serves.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apiTypesText } from '../openapi/generate.js';
import { documentText, openApiDocument } from '../src/openapi-snapshot.js';

const document = await openApiDocument();
const here = (file: string) => fileURLToPath(new URL(`../openapi/${file}`, import.meta.url));
writeFileSync(here('openapi.json'), documentText(document));
writeFileSync(here('api-types.ts'), await apiTypesText(document));
console.log(`wrote ${here('openapi.json')} and ${here('api-types.ts')}`);
