/** Unit tests of the edge's small parts: configuration, problem mapping, Idempotency-Key and If-Match parsing, metrics. */
import { domainErrorCodes } from '@volunteer-ledger/core';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { parseIdempotencyKey } from './idempotency.js';
import { Metrics } from './metrics.js';
import { Problem, problemDocument, problemKinds, problemType, toProblem } from './problems.js';
import { ifMatchHolds } from './routes/shared.js';

describe('configuration', () => {
  it('defaults to SQLite in .data on 127.0.0.1:8080', () => {
    expect(loadConfig({})).toMatchObject({ LEDGER_STORE: 'sqlite', LEDGER_DATA_DIR: '.data', LEDGER_HOST: '127.0.0.1', LEDGER_PORT: 8080 });
  });

  it('names the variable, the value and what it expects, and never echoes a secret', () => {
    expect(() => loadConfig({ LEDGER_PORT: 'eighty' })).toThrow(/LEDGER_PORT \("eighty"\): LEDGER_PORT must be a whole number/);
    expect(() => loadConfig({ LEDGER_STORE: 'eventstoredb' })).toThrow(/LEDGER_ESDB_CONNECTION_STRING/);
    try {
      loadConfig({ LEDGER_JWT_SECRET: 'short-secret-value' });
      expect.unreachable();
    } catch (fault) {
      expect(fault).toBeInstanceOf(ConfigError);
      expect((fault as Error).message).toContain('(hidden)');
      expect((fault as Error).message).not.toContain('short-secret-value');
    }
  });

  it('ignores variables that are not LEDGER_* (PORT aside)', () => {
    expect(loadConfig({ HOME: '/root', LEDGER_PORTS: '1' }).LEDGER_PORT).toBe(8080);
  });

  it('honours PORT, the platforms\' convention, when LEDGER_PORT is unset; LEDGER_PORT wins', () => {
    expect(loadConfig({ PORT: '3000' }).LEDGER_PORT).toBe(3000);
    expect(loadConfig({ PORT: '3000', LEDGER_PORT: '8081' }).LEDGER_PORT).toBe(8081);
    expect(() => loadConfig({ PORT: 'x' })).toThrow(/PORT \("x"\): PORT must be a whole number/);
    expect(() => loadConfig({ PORT: 'x', LEDGER_PORT: '8081' })).not.toThrow();
  });
});

describe('problems', () => {
  it('has a stable type, a title and a 4xx status for every domain error code — 503 with Retry-After only for a busy ledger', () => {
    for (const code of domainErrorCodes) {
      const problem = Problem.fromDomain({ code, message: `m ${code}`, ...(code === 'busy' ? { details: { retryAfterSeconds: 1 } } : {}) });
      const doc = problemDocument(problem);
      expect(doc.type).toBe(problemType(code));
      expect(doc.title).toBe(problemKinds[code].title);
      if (code === 'busy') {
        expect(doc.status).toBe(503);
        expect(problem.headers['retry-after']).toBe('1');
        continue;
      }
      expect(doc.status).toBeGreaterThanOrEqual(400);
      expect(doc.status).toBeLessThan(500);
    }
  });

  it('maps an unknown fault to a bare 500 without internals', () => {
    const { problem, fault } = toProblem(new TypeError('secret internals at /srv/x.ts:12'));
    expect(fault).toBe(true);
    expect(JSON.stringify(problemDocument(problem))).not.toContain('internals');
  });

  it('carries zod issues and domain details', () => {
    const doc = problemDocument(Problem.fromDomain({ code: 'validation', message: 'bad', details: { issues: ['a: b'], field: 'x' } }));
    expect(doc).toMatchObject({ issues: ['a: b'], details: { field: 'x' } });
  });
});

describe('Idempotency-Key', () => {
  it('accepts an RFC 8941 string or a bare token', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('abc-1')).toBe('abc-1');
  });
  it.each(['', '""', 'x'.repeat(256), 'ключ', 'a"b', 'a\\b'])('refuses %j', (raw) => {
    expect(() => parseIdempotencyKey(raw)).toThrow(Problem);
  });
});

describe('If-Match', () => {
  it('compares strong ETags, accepts lists and *, never a weak tag', () => {
    expect(ifMatchHolds('"3"', 3)).toBe(true);
    expect(ifMatchHolds('"2", "3"', 3)).toBe(true);
    expect(ifMatchHolds('W/"3"', 3)).toBe(false);
    expect(ifMatchHolds('"2"', 3)).toBe(false);
    expect(ifMatchHolds('*', 0)).toBe(true);
    expect(ifMatchHolds('*', -1)).toBe(false);
  });
});

describe('metrics', () => {
  it('renders Prometheus text with escaped labels and a histogram', () => {
    const metrics = new Metrics();
    metrics.requestStarted();
    metrics.requestFinished('GET', '/v1/x/"y"', 200, 0.003);
    metrics.command('ReportHours', 'ok');
    const text = metrics.render();
    expect(text).toContain('ledger_http_requests_total{method="GET",route="/v1/x/\\"y\\"",status="200"} 1');
    expect(text).toContain('ledger_http_request_duration_seconds_bucket{method="GET",route="/v1/x/\\"y\\"",le="0.005"} 1');
    expect(text).toContain('ledger_commands_total{type="ReportHours",outcome="ok"} 1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts each command type and outcome in its own series, however often and in whatever order they come', () => {
    const metrics = new Metrics();
    const seen = [['ReportHours', 'ok'], ['GrantPoints', 'ok'], ['ReportHours', 'not-found'], ['ReportHours', 'ok'], ['Grant"Points', 'ok'], ['ReportHours', 'ok']] as const;
    for (const [type, outcome] of seen) metrics.command(type, outcome);
    const text = metrics.render();
    expect(text).toContain('ledger_commands_total{type="ReportHours",outcome="ok"} 3');
    expect(text).toContain('ledger_commands_total{type="ReportHours",outcome="not-found"} 1');
    expect(text).toContain('ledger_commands_total{type="GrantPoints",outcome="ok"} 1');
    expect(text).toContain('ledger_commands_total{type="Grant\\"Points",outcome="ok"} 1');
  });
});
