/** Unauthenticated operational routes: health, readiness, metrics, the OpenAPI document and its reference page. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EventStore } from '@volunteer-ledger/core';
import type { App } from './shared.js';
import type { Metrics } from '../metrics.js';

/** swagger-ui's assets, served by the service itself: the reference page needs no internet. */
const docAssets = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] as const;
const assetTypes: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', png: 'image/png' };

function loadDocAssets(): Map<string, Buffer> {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return new Map(docAssets.map((name) => [name, readFileSync(join(dir, name))]));
}

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Volunteer ledger API</title>
<link rel="icon" href="/docs/favicon-32x32.png"><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
const docsInit = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: true });`;

export interface SystemDeps {
  readonly store: EventStore;
  readonly metrics: Metrics;
  /** False once shutdown has begun, so load balancers stop sending traffic. */
  readonly isAccepting: () => boolean;
}

export function systemRoutes(app: App, deps: SystemDeps): void {
  let assets: Map<string, Buffer> | null = null;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    if (!deps.isAccepting()) return c.json({ status: 'shutting-down' }, 503);
    try {
      await deps.store.streamRevision('community-readiness-probe');
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'store-unavailable' }, 503);
    }
  });

  app.get('/metrics', (c) => c.text(deps.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));

  app.get('/docs', (c) => c.html(docsPage));
  app.get('/docs/init.js', (c) => c.body(docsInit, 200, { 'content-type': assetTypes.js! }));
  app.get('/docs/:asset', (c) => {
    assets ??= loadDocAssets();
    const name = c.req.param('asset');
    const bytes = assets.get(name);
    if (!bytes) return c.notFound();
    return c.body(new Uint8Array(bytes), 200, { 'content-type': assetTypes[name.split('.').pop()!]!, 'cache-control': 'public, max-age=86400' });
  });
}
